/**
 * Enqueuing a webhook: one delivery row per event key (idempotent), then its `webhook-<id>`
 * workflow. Shared by the `enqueueWebhook` activity and the API (test event, redelivery).
 *
 * Ordering: under a per-(account, subject) advisory lock, the new row records the latest
 * unsettled delivery of the same subject as `previous_id`; its workflow waits until that one has
 * settled. Different subjects never wait for each other.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Config } from '../domain/config';
import { type Db, withTransaction } from '../db/pool';
import { notFound } from '../domain/errors';
import { deterministicUuid } from '../domain/ids';
import { generateSigningSecret } from '../domain/webhook-signing';
import { WEBHOOK_POLICIES } from '../domain/webhook-policies';
import type { EnqueueWebhookInput, EnqueueWebhookResult, WebhookPolicyName } from '../domain/webhooks';
import {
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  type WebhookDeliveryWorkflow,
  webhookDeliveryStartOptions,
} from '../workflows/webhook-delivery/contract';
import {
  type EnqueuedDeliveryRow,
  enqueuedDelivery,
  ensureWebhookSecret,
  insertDelivery,
  latestDeliveryOfSubject,
  lockWebhookSubject,
  webhookEndpointOf,
} from '../db/webhooks';

export interface WebhookDeps {
  db: Db;
  temporal: Client;
  config: Config;
}

export const SETTLED_STATES = ['delivered', 'failed', 'skipped'] as const;

/** Serializes enqueue and settlement of one (account, subject); see the module comment. */
export const subjectLockKey = (accountId: string, subject: string) => `webhook:${accountId}:${subject}`;

export const deliveryIdOf = (eventKey: string) => deterministicUuid('webhook', eventKey);

export async function enqueueDelivery(
  deps: WebhookDeps,
  input: EnqueueWebhookInput & { redeliveryOf?: string },
): Promise<EnqueueWebhookResult> {
  const deliveryId = deliveryIdOf(input.eventKey);
  const row =
    (await enqueuedDelivery(deps.db, deliveryId)).rows[0] ?? (await insertOrReuse(deps, input, deliveryId));

  if (row.state === 'skipped') return { deliveryId, enqueued: false };
  if (row.state === 'pending' || row.state === 'retrying')
    await startDeliveryWorkflow(deps, input.accountId, row);
  return { deliveryId, enqueued: true };
}

/**
 * The delivery's row, inserted under its subject's lock. Only for a delivery not enqueued yet: one
 * enqueued before (a retried activity or route) is reused as read, without the lock — its workflow
 * may be settling it, holding its row while it waits for that lock, and the insert's unique check
 * would wait for that row: a deadlock.
 */
function insertOrReuse(
  deps: WebhookDeps,
  input: EnqueueWebhookInput & { redeliveryOf?: string },
  deliveryId: string,
): Promise<EnqueuedDeliveryRow> {
  const policy = WEBHOOK_POLICIES[input.policy];
  return withTransaction(deps.db, async (tx) => {
    const account = await webhookEndpointOf(tx, input.accountId);
    if (!account.rows[0]) throw notFound('account');
    const target = input.url ?? account.rows[0].webhook_url;
    const skipReason = !target
      ? 'no webhook endpoint'
      : account.rows[0].disabled && !policy.exemptFromDisable
        ? 'endpoint disabled'
        : null;
    let previousId: string | null = null;
    if (!skipReason && policy.ordered) {
      await lockWebhookSubject(tx, subjectLockKey(input.accountId, input.subject));
      // Deliveries of a subject settle in order, so only the latest one can still be unsettled.
      const prev = await latestDeliveryOfSubject(
        tx,
        input.accountId,
        input.subject,
        deliveryId,
        SETTLED_STATES,
      );
      previousId = prev.rows[0] && !prev.rows[0].settled ? prev.rows[0].id : null;
    }
    const inserted = await insertDelivery(
      tx,
      deliveryId,
      input.eventKey,
      input.accountId,
      input.policy,
      input.event,
      input.subject,
      target,
      JSON.stringify(input.payload),
      JSON.stringify(input.headers ?? {}),
      skipReason ? 'skipped' : 'pending',
      skipReason,
      previousId,
      input.redeliveryOf ?? null,
    );
    if (inserted.rows[0]) return inserted.rows[0];
    // Enqueued meanwhile by a concurrent attempt: reuse what was decided then.
    const existing = await enqueuedDelivery(tx, deliveryId);
    return existing.rows[0];
  });
}

async function startDeliveryWorkflow(
  deps: WebhookDeps,
  accountId: string,
  row: EnqueuedDeliveryRow,
): Promise<void> {
  try {
    await deps.temporal.workflow.start<WebhookDeliveryWorkflow>(
      WEBHOOK_DELIVERY_WORKFLOW_TYPE,
      webhookDeliveryStartOptions(
        {
          deliveryId: row.id,
          accountId,
          policy: row.policy as WebhookPolicyName,
          after: row.previous_id,
          // One workflow task per delivery (workflows/webhook-delivery/contract.ts).
          localAttempt: true,
        },
        { event: row.event, subject: row.subject, targetHost: hostOf(row.target_url) },
        deps.config.TEMPORAL_TASK_QUEUE,
      ),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The host only: query strings of webhook URLs may carry tokens and are kept out of memos. */
function hostOf(url: string | null): string {
  try {
    return url ? new URL(url).host : 'nowhere';
  } catch {
    return 'invalid url';
  }
}

/** The account's signing secret, created on first need (the owner sees it via rotate). */
export async function ensureSigningSecret(db: Db, accountId: string): Promise<string> {
  const r = await ensureWebhookSecret(db, accountId, generateSigningSecret(randomBytes));
  if (!r.rows[0]) throw notFound('account');
  return r.rows[0].webhook_secret;
}
