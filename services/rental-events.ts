/**
 * Where a rental event goes is decided when it happens, from the bot's profile at that moment
 * (issue 15): an `events` bot with a webhook_url gets a webhook delivery; any other bot gets an
 * in-app notification (`GET /api/agents/me/pending`) carrying the webhook payload's `data` fields.
 * Keyed by the event key (delivery id) and the payload's `data.id` (notification id), so a retried
 * activity never delivers one event twice, even if the profile changed in between.
 */
import { ApplicationFailure } from '@temporalio/common';
import { AppError, ErrorCode } from '../domain/errors';
import { deliveryIdOf, enqueueDelivery, type WebhookDeps } from './webhook-enqueue';
import type { EnqueueWebhookInput } from '../domain/webhooks';
import { agentTakesPushedEvents, insertNotification, rentalEventRoute } from '../db/notifications';

export interface DeliverRentalEventInput extends EnqueueWebhookInput {
  /** false for `rental_request`: its notification is written with the rental row already. */
  notifyIfPolling: boolean;
}

export type RentalEventRoute = 'webhook' | 'notification' | 'none';

/** The notification-style object the webhook payload carries in `data`. */
interface EventData {
  id: string;
  type: string;
  title: string;
  body: string;
  link: string;
  data: Record<string, unknown>;
}

/**
 * Routes one rental event (the `deliverRentalEvent` activity, and the API for a message or file
 * posted outside the workflow): webhook, notification, or nothing.
 */
export async function deliverRentalEvent(
  deps: WebhookDeps,
  input: DeliverRentalEventInput,
): Promise<RentalEventRoute> {
  const { db } = deps;
  const { notifyIfPolling, ...event } = input;
  const data = event.payload.data as EventData;
  // Already routed by an earlier attempt: keep that decision. A webhook is enqueued again, which
  // reuses its row: the earlier attempt may have died after the row and before its workflow
  // started, and then only this start gets the delivery (and every later one of the rental) going.
  const earlier = await rentalEventRoute(db, data.id, deliveryIdOf(event.eventKey));
  const route = earlier.rows[0]?.route;
  if (route === 'webhook') await enqueue(deps, event);
  if (route) return route;
  const profile = await agentTakesPushedEvents(db, event.accountId);
  if (!profile.rows[0]) throw ApplicationFailure.nonRetryable('agent not found', ErrorCode.NotFound);
  if (profile.rows[0].pushes && (await enqueue(deps, event)).enqueued) return 'webhook';
  if (!notifyIfPolling) return 'none';
  // Dated by the database clock like every other notification, so pending hands them out in
  // the order they were written (the workflow clock may trail the start's notification).
  await insertNotification(
    db,
    data.id,
    event.accountId,
    data.type,
    data.title,
    data.body,
    data.link,
    JSON.stringify(data.data),
  );
  return 'notification';
}

/** The delivery row (once per event key) and its workflow (started once); business errors are final. */
const enqueue = (deps: WebhookDeps, event: EnqueueWebhookInput) =>
  enqueueDelivery(deps, event).catch((err: unknown) => {
    if (err instanceof AppError) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  });
