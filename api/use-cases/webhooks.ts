/**
 * Webhook use-cases: the delivery log (own deliveries; admins may read any), redelivery as a new,
 * freshly signed delivery, the `webhook_test` event, secret rotation and endpoint re-enable.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appError, notFound } from '../../domain/errors';
import { afterKey, toPage } from '../../domain/pagination';
import { temporalAccountUrl, workflowIdOf } from '../../domain/console';
import { assertPublicUrl } from '../../services/network-policy';
import { enqueueDelivery } from '../../services/webhook-enqueue';
import { generateSigningSecret } from '../../domain/webhook-signing';
import type { WebhookPolicyName } from '../../domain/webhooks';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { updateProfile } from './agents';
import { consoleLink, paged } from './operators';
import type { DeliveryView, ListDeliveriesQuery } from '../schemas/webhooks';
import {
  attemptsOf,
  deliveriesOf,
  deliveryById,
  type DeliveryRow,
  enableWebhookEndpoint,
  listDisabledEndpoints,
  recordEndpointReset,
  setWebhookSecret,
  setWebhookUrl,
  skipReasonOf,
  webhookEndpointOf,
} from '../../db/webhooks';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function view(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    event: r.event,
    policy: r.policy,
    subject: r.subject,
    state: r.state,
    skip_reason: r.skip_reason,
    target_url: r.target_url,
    attempt_count: r.attempt_count,
    next_attempt_at: iso(r.next_attempt_at),
    last_status: r.last_status,
    last_error: r.last_error,
    redelivery_of: r.redelivery_of,
    created_at: r.created_at.toISOString(),
    completed_at: iso(r.completed_at),
  };
}

/** A delivery the principal may see: its own, or any for an admin. Anything else is "not found". */
async function visibleDelivery(deps: ApiDeps, principal: Principal, id: string): Promise<DeliveryRow> {
  const r = await deliveryById(deps.db, id);
  const row = r.rows[0];
  if (!row || (row.account_id !== principal.accountId && principal.role !== 'admin'))
    throw notFound('webhook delivery');
  return row;
}

export async function listDeliveries(deps: ApiDeps, principal: Principal, q: ListDeliveriesQuery) {
  const after = afterKey('deliveries', ['number'], q.cursor);
  const r = await deliveriesOf(
    deps.db,
    principal.accountId,
    (after?.[0] as number) ?? null,
    q.event ?? null,
    q.state ?? null,
    q.since?.toISOString() ?? null,
    q.until?.toISOString() ?? null,
    q.limit + 1,
  );
  const page = toPage(r.rows, q.limit, 'deliveries', (d) => [d.seq]);
  return { deliveries: page.items.map(view), next_cursor: page.next_cursor, has_more: page.has_more };
}

export async function getDelivery(deps: ApiDeps, principal: Principal, id: string) {
  const row = await visibleDelivery(deps, principal, id);
  const attempts = await attemptsOf(deps.db, id);
  return {
    ...view(row),
    payload: JSON.parse(row.body) as unknown,
    extra_headers: Object.keys(row.headers),
    attempts: attempts.rows.map((a) => ({ ...a, attempted_at: a.attempted_at.toISOString() })),
  };
}

/** Refuses up front (nothing recorded) when the account cannot receive deliveries now. */
async function assertEndpointUsable(deps: ApiDeps, accountId: string, url: string | null): Promise<void> {
  const r = await webhookEndpointOf(deps.db, accountId);
  if (!r.rows[0]) throw notFound('account');
  if (!(url ?? r.rows[0].webhook_url)) throw appError('webhook_url_missing');
  if (r.rows[0].disabled) throw appError('webhook_endpoint_disabled');
}

/** Enqueues and reports the new delivery; a skipped one means the endpoint cannot receive now. */
async function enqueueOrExplain(deps: ApiDeps, input: Parameters<typeof enqueueDelivery>[1]) {
  const { deliveryId, enqueued } = await enqueueDelivery(deps, input);
  if (!enqueued) {
    const r = await skipReasonOf(deps.db, deliveryId);
    const reason = r.rows[0]?.skip_reason ?? 'no webhook endpoint';
    throw appError(reason === 'endpoint disabled' ? 'webhook_endpoint_disabled' : 'webhook_url_missing');
  }
  return { delivery_id: deliveryId, state: 'pending' as const, redelivery_of: input.redeliveryOf ?? null };
}

/**
 * Sends a settled delivery again as a new delivery (new id, fresh signature) to the same target.
 * With an Idempotency-Key the new delivery id is derived from it, so a retried request sends once.
 */
export async function redeliver(deps: ApiDeps, principal: Principal, id: string, idempotencyKey?: string) {
  const original = await visibleDelivery(deps, principal, id);
  if (original.state === 'pending' || original.state === 'retrying')
    throw appError('webhook_delivery_in_progress');
  if (original.state === 'skipped' && !original.target_url) throw appError('webhook_url_missing');
  return enqueueOrExplain(deps, {
    eventKey: `redelivery:${original.id}:${idempotencyKey ? `${principal.accountId}:${idempotencyKey}` : randomUUID()}`,
    accountId: original.account_id,
    policy: original.policy as WebhookPolicyName,
    event: original.event,
    subject: original.subject,
    payload: JSON.parse(original.body) as Record<string, unknown>,
    url: original.target_url ?? undefined,
    headers: original.headers,
    redeliveryOf: original.id,
  });
}

/** Sends a `webhook_test` event to the caller's webhook_url. */
export async function sendTestEvent(deps: ApiDeps, principal: Principal, idempotencyKey?: string) {
  await assertEndpointUsable(deps, principal.accountId, null);
  const id = randomUUID();
  const now = new Date().toISOString();
  return enqueueOrExplain(deps, {
    eventKey: `webhook-test:${principal.accountId}:${idempotencyKey ?? id}`,
    accountId: principal.accountId,
    policy: 'agent-events',
    event: 'webhook_test',
    subject: `webhook-test:${principal.accountId}`,
    payload: {
      event: 'webhook_test',
      data: { id, user_id: principal.accountId, message: 'This is a test event from agentrent.' },
      timestamp: now,
    },
  });
}

/** Replaces the signing secret; the new one is returned once and never shown again. */
export async function rotateSecret(deps: ApiDeps, principal: Principal) {
  const secret = generateSigningSecret(randomBytes);
  const r = await setWebhookSecret(deps.db, principal.accountId, secret);
  if (!r.rowCount) throw notFound('account');
  return {
    secret,
    note: 'Store this secret now: it is shown only once. Verify webhook-signature with it (Standard Webhooks).',
  };
}

/**
 * Sets (or with null removes) the caller's webhook endpoint. People need this to receive task
 * webhooks as creators; a bot's endpoint is part of its agent profile, so bots go through the
 * profile rules (integration follows the webhook) in agents.updateProfile.
 */
export async function setEndpoint(deps: ApiDeps, principal: Principal, url: string | null) {
  if (principal.isBot) {
    const profile = await updateProfile(deps, principal, { webhook_url: url });
    return { webhook_url: profile.webhook_url ?? null, disabled: false };
  }
  if (url !== null) await assertPublicUrl(url, deps.config.ALLOW_PRIVATE_WEBHOOKS, 'url');
  const r = await setWebhookUrl(deps.db, principal.accountId, url);
  if (!r.rows[0]) throw notFound('account');
  return { webhook_url: r.rows[0].webhook_url, disabled: false };
}

/** Re-enables a disabled endpoint; failures before now no longer count toward disabling it again. */
export async function enableEndpoint(deps: ApiDeps, principal: Principal) {
  const r = await enableWebhookEndpoint(deps.db, principal.accountId);
  if (!r.rows[0]) throw notFound('account');
  await recordEndpointReset(deps.db, principal.accountId);
  return { webhook_url: r.rows[0].webhook_url, disabled: false };
}

/** Accounts whose webhook endpoint is disabled, with their last failed delivery (the operator console). */
export async function disabledEndpoints(deps: ApiDeps, q: { limit: number; cursor?: string }) {
  const after = afterKey('admin-disabled-endpoints', ['string', 'string'], q.cursor);
  const rows = await listDisabledEndpoints(
    deps.db,
    q.limit + 1,
    after ? { disabledAt: String(after[0]), accountId: String(after[1]) } : undefined,
  );
  const { page, ...info } = paged(rows, q.limit, 'admin-disabled-endpoints', (e) => [
    e.disabled_at.toISOString(),
    e.account_id,
  ]);
  return {
    endpoints: page.map((e) => ({
      ...e,
      disabled_at: e.disabled_at.toISOString(),
      temporal_url: e.last_failed_delivery_id
        ? consoleLink(deps, workflowIdOf.webhook(e.last_failed_delivery_id))
        : temporalAccountUrl(deps.config.TEMPORAL_UI_URL, deps.config.TEMPORAL_NAMESPACE, e.account_id),
    })),
    ...info,
  };
}
