/**
 * Webhook activities. `enqueueWebhook` is the entry point other areas call (contract in
 * domain/webhooks.ts). `attemptWebhookDelivery` makes exactly one signed HTTP POST and records it;
 * the webhookDelivery workflow owns the schedule. Both are keyed: (event key) and
 * (delivery id, attempt number), so a retried activity records nothing twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type DbClient, withTransaction } from '../db/pool';
import { AppError, ErrorCode } from '../domain/errors';
import { postJson, type HttpOutcome } from '../services/http-delivery';
import { deterministicUuid } from '../domain/ids';
import {
  ensureSigningSecret,
  enqueueDelivery,
  SETTLED_STATES,
  subjectLockKey,
} from '../services/webhook-enqueue';
import { DISABLE_AFTER_FAILING_MS, WEBHOOK_POLICIES, WEBHOOK_POLICY_NAMES } from '../domain/webhook-policies';
import { signatureHeaders } from '../domain/webhook-signing';
import { safeRecordedText } from '../domain/text';
import type { AttemptOutcome, EnqueueWebhookInput, EnqueueWebhookResult } from '../domain/webhooks';
import type { ActivityDeps } from './deps';
import { countWebhookAttempt } from './metrics';
import {
  attemptOutcomeOf,
  deliveryForAttempt,
  deliveryStateOf,
  deliveryWaitingOn,
  disableWebhookEndpoint,
  endpointFailingSince,
  insertAttempt,
  insertEndpointDisabledNotice,
  lockWebhookSubject,
  recordDeliveryState,
  recordEndpointHealth,
} from '../db/webhooks';

export interface AttemptInput {
  deliveryId: string;
  attempt: number;
  /** Workflow time of the attempt (deterministic; equals wall time outside time-skipping tests). */
  attemptedAt: string;
  /** How long after this attempt the next one happens if it fails; null = this is the last attempt. */
  retryInMs: number | null;
}

export interface AttemptResult {
  state: 'delivered' | 'failed' | 'retrying';
  outcome: AttemptOutcome;
  status: number | null;
  /** The delivery of the same subject waiting for this one, once this one has settled. */
  successorId: string | null;
}

const outcomeOf = (http: HttpOutcome, success: boolean): AttemptOutcome =>
  success ? 'success' : http.kind === 'response' ? 'rejected' : http.kind;

const nonRetryable = (err: unknown): never => {
  if (err instanceof AppError) throw ApplicationFailure.nonRetryable(err.message, err.code);
  throw err;
};

export function createWebhookActivities(deps: ActivityDeps) {
  const { db, config } = deps;

  async function recordedAttempt(deliveryId: string, attempt: number): Promise<AttemptResult | undefined> {
    const r = await attemptOutcomeOf(db, deliveryId, attempt);
    const row = r.rows[0];
    if (!row) return undefined;
    const state = row.state === 'delivered' || row.state === 'failed' ? row.state : 'retrying';
    return {
      state,
      outcome: row.outcome,
      status: row.response_status,
      successorId: state === 'retrying' ? null : row.successor,
    };
  }

  /** Disables an endpoint whose attempts since the last success (or re-enable) have all failed, over 24 h. */
  async function disableIfFailingTooLong(tx: DbClient, accountId: string): Promise<void> {
    const exempt = WEBHOOK_POLICY_NAMES.filter((p) => WEBHOOK_POLICIES[p].exemptFromDisable);
    const r = await endpointFailingSince(tx, accountId, exempt, DISABLE_AFTER_FAILING_MS / 1000);
    if (!r.rows[0]?.failing) return;
    const disabled = await disableWebhookEndpoint(tx, accountId);
    if (!disabled.rows[0]) return;
    const at = disabled.rows[0].disabled_at.toISOString();
    await insertEndpointDisabledNotice(
      tx,
      deterministicUuid('webhook-endpoint-disabled', accountId, at),
      accountId,
      'Webhook endpoint disabled',
      'Every delivery to your webhook endpoint failed for 24 hours, so deliveries are paused. ' +
        'Fix the endpoint, then re-enable it with POST /api/v1/webhooks/endpoint/enable.',
      JSON.stringify({ disabled_at: at }),
    );
  }

  return {
    async enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult> {
      if (!WEBHOOK_POLICIES[input.policy])
        throw ApplicationFailure.nonRetryable(`unknown webhook policy ${input.policy}`, ErrorCode.Validation);
      return enqueueDelivery(deps, input).catch(nonRetryable);
    },

    async isWebhookDeliverySettled(deliveryId: string): Promise<boolean> {
      const r = await deliveryStateOf(db, deliveryId);
      // A vanished predecessor cannot be waited for.
      return !r.rows[0] || (SETTLED_STATES as readonly string[]).includes(r.rows[0].state);
    },

    async attemptWebhookDelivery(input: AttemptInput): Promise<AttemptResult> {
      const r = await deliveryForAttempt(db, input.deliveryId, input.attempt);
      const d = r.rows[0];
      // Retried after the attempt was recorded (e.g. the worker died before completing): same answer.
      if (d?.recorded) return (await recordedAttempt(d.id, input.attempt)) as AttemptResult;
      if (!d)
        throw ApplicationFailure.nonRetryable(
          `webhook delivery ${input.deliveryId} not found`,
          ErrorCode.NotFound,
        );
      // Only a skipped delivery has no target, and a skipped delivery starts no workflow.
      const target = d.target_url;
      if (target === null)
        throw ApplicationFailure.nonRetryable(
          `webhook delivery ${input.deliveryId} has no target URL`,
          ErrorCode.NotFound,
        );
      const policy = WEBHOOK_POLICIES[d.policy];
      const secret = d.webhook_secret ?? (await ensureSigningSecret(db, d.account_id));

      // Only a slow call heartbeats: a crashed worker is noticed within the heartbeat timeout. A
      // local attempt has no heartbeat (its workflow task is kept alive by the SDK instead).
      const ctx = Context.current();
      const beat = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(), 1000);
      let http: HttpOutcome;
      try {
        http = await postJson(
          target,
          d.body,
          { ...d.headers, ...signatureHeaders(secret, d.id, d.body, new Date()) },
          {
            timeoutMs: policy.timeoutMs,
            allowPrivate: config.ALLOW_PRIVATE_WEBHOOKS,
          },
        );
      } finally {
        if (beat) clearInterval(beat);
      }

      const success = http.kind === 'response' && policy.isSuccess(http.status);
      const outcome = outcomeOf(http, success);
      // An unsafe target stays unsafe: retrying it would only repeat the refusal.
      const state = success
        ? 'delivered'
        : outcome === 'refused' || input.retryInMs === null
          ? 'failed'
          : 'retrying';
      const status = http.kind === 'response' ? http.status : null;
      // Whatever the receiver sent is recorded, never refused: made storable (no NUL) and short.
      const error =
        http.kind === 'response'
          ? success
            ? null
            : `HTTP ${http.status}`
          : safeRecordedText(http.error, 1000);
      const excerpt = http.kind === 'response' ? safeRecordedText(http.excerpt, 1024) : null;

      let recordedHere = false;
      const result = await withTransaction(db, async (tx): Promise<AttemptResult> => {
        const inserted = await insertAttempt(
          tx,
          d.id,
          input.attempt,
          input.attemptedAt,
          outcome,
          status,
          http.latencyMs,
          error,
          excerpt,
        );
        if (!inserted.rowCount) return (await recordedAttempt(d.id, input.attempt)) as AttemptResult;
        recordedHere = true;
        await recordDeliveryState(
          tx,
          d.id,
          state,
          input.attempt,
          state === 'retrying' ? new Date(Date.now() + (input.retryInMs ?? 0)) : null,
          status,
          error,
        );
        if (state === 'retrying') return { state, outcome, status, successorId: null };
        if (policy.recordsHealth) {
          await recordEndpointHealth(
            tx,
            d.account_id,
            success,
            input.attemptedAt,
            success ? `HTTP ${status}` : error,
          );
        }
        if (!success && !policy.exemptFromDisable) await disableIfFailingTooLong(tx, d.account_id);
        if (!policy.ordered) return { state, outcome, status, successorId: null };
        // Same lock as enqueue: a successor is either visible here, or it sees this delivery settled.
        await lockWebhookSubject(tx, subjectLockKey(d.account_id, d.subject));
        const successor = await deliveryWaitingOn(tx, d.id);
        return { state, outcome, status, successorId: successor.rows[0]?.id ?? null };
      });
      // Counted once the attempt's row committed, by the activity that inserted it.
      if (recordedHere) countWebhookAttempt(result.state);
      return result;
    },
  };
}
