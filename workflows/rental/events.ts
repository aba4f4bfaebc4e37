/**
 * A rental's events (`rental_request`, `rental_message`, `rental_ending_soon`, `rental_ended`) to
 * its bot: a webhook delivery or an in-app notification, routed by the bot's profile when the
 * event happens, keyed by the rental and the event so nothing is delivered twice.
 */
import { log, patched, uuid4 } from '@temporalio/workflow';
import { type RentalEventName, rentalEventPayload, rentalSubject } from '../../domain/rental-events';
import type { EnqueueWebhookInput } from '../../domain/webhooks';
import { isPermanentFailure } from '../failures';
import { act } from './proxies';
import type { RentalState } from './state';

/**
 * EVENTS_FOLLOW_PROFILE: each event is routed when it happens, by the bot's profile then (webhook
 * or notification), instead of by `eventsEnabled` decided at the start.
 */
const EVENTS_FOLLOW_PROFILE = 'rental-events-follow-profile';

export async function emit(
  state: RentalState,
  event: RentalEventName,
  keySuffix: string,
  title: string,
  body: string,
  details: Record<string, unknown>,
): Promise<void> {
  const { input } = state;
  // A one-task start (contract: `oneTaskStart`) follows the profile by its input, with no marker.
  const followProfile = state.input.oneTaskStart === true || patched(EVENTS_FOLLOW_PROFILE);
  if (!followProfile && !input.eventsEnabled) return;
  const at = new Date().toISOString();
  const enqueue = followProfile
    ? (e: EnqueueWebhookInput) =>
        act.deliverRentalEvent({ ...e, notifyIfPolling: event !== 'rental_request' })
    : act.enqueueWebhook;
  await enqueueDroppingPermanent(enqueue, {
    eventKey: `rental:${input.rentalId}:${keySuffix}`,
    accountId: input.agentId,
    policy: 'agent-events',
    event,
    subject: rentalSubject(input.rentalId),
    payload: rentalEventPayload({
      event,
      eventId: uuid4(),
      botId: input.agentId,
      rentalId: input.rentalId,
      title,
      body,
      details: { renter_username: input.renterUsername, ...details },
      at,
    }),
  });
}

/**
 * A notification that can never be enqueued is dropped (logged): it must not fail a message
 * already stored, nor the lifecycle.
 */
function enqueueDroppingPermanent(
  enqueue: (e: EnqueueWebhookInput) => Promise<unknown>,
  event: EnqueueWebhookInput,
): Promise<unknown> {
  return enqueue(event).catch((err: unknown) => {
    if (!isPermanentFailure(err)) throw err;
    log.error('rental event not enqueued', { eventKey: event.eventKey, error: String(err) });
  });
}
