/**
 * Webhook activities. `enqueueWebhook` is the entry point other areas call (contract in
 * domain/webhooks.ts). `attemptWebhookDelivery` makes exactly one signed HTTP POST and records it;
 * the webhookDelivery workflow owns the schedule. Both are keyed: (event key) and
 * (delivery id, attempt number), so a retried activity records nothing twice.
 */
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type DbClient, withTransaction } from '../db/pool';
import { AppError, ErrorCode } from '../domain/errors';
import { postJson, type HttpOutcome } from './http-delivery';
import { deterministicUuid } from '../domain/ids';
import { ensureSigningSecret, enqueueDelivery, SETTLED_STATES, subjectLockKey } from './webhook-enqueue';
import { DISABLE_AFTER_FAILING_MS, WEBHOOK_POLICIES, WEBHOOK_POLICY_NAMES } from '../domain/webhook-policies';
import { signatureHeaders } from '../domain/webhook-signing';
import { safeRecordedText } from '../domain/text';
import type { EnqueueWebhookInput, EnqueueWebhookResult, WebhookPolicyName } from '../domain/webhooks';
import type { ActivityDeps } from './deps';

export interface AttemptInput {
  deliveryId: string;
  attempt: number;
  /** Workflow time of the attempt (deterministic; equals wall time outside time-skipping tests). */
  attemptedAt: string;
  /** How long after this attempt the next one happens if it fails; null = this is the last attempt. */
  retryInMs: number | null;
}

export type AttemptOutcome = 'success' | 'rejected' | 'timeout' | 'network_error' | 'refused';

export interface AttemptResult {
  state: 'delivered' | 'failed' | 'retrying';
  outcome: AttemptOutcome;
  status: number | null;
  /** The delivery of the same subject waiting for this one, once this one has settled. */
  successorId: string | null;
}

interface DeliveryRow {
  id: string;
  account_id: string;
  policy: WebhookPolicyName;
  event: string;
  subject: string;
  target_url: string;
  body: string;
  headers: Record<string, string>;
  state: string;
  webhook_secret: string | null;
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
    const r = await db.query<{
      outcome: AttemptOutcome;
      response_status: number | null;
      state: string;
      successor: string | null;
    }>(
      `SELECT a.outcome, a.response_status, d.state,
              (SELECT s.id FROM webhook_deliveries s WHERE s.previous_id = d.id LIMIT 1) AS successor
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE a.delivery_id = $1 AND a.attempt = $2`,
      [deliveryId, attempt],
    );
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
    const r = await tx.query<{ failing: boolean }>(
      `WITH counted AS (
         SELECT a.attempted_at, a.outcome FROM webhook_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id
          WHERE d.account_id = $1 AND d.policy <> ALL($2)
            AND a.attempted_at > coalesce((SELECT reset_at FROM webhook_endpoint_resets WHERE account_id = $1), '-infinity')),
       last_ok AS (SELECT max(attempted_at) AS at FROM counted WHERE outcome = 'success')
       SELECT coalesce(max(c.attempted_at) - min(c.attempted_at) >= make_interval(secs => $3), false) AS failing
         FROM counted c, last_ok WHERE c.outcome <> 'success' AND c.attempted_at > coalesce(last_ok.at, '-infinity')`,
      [accountId, exempt, DISABLE_AFTER_FAILING_MS / 1000],
    );
    if (!r.rows[0]?.failing) return;
    const disabled = await tx.query<{ disabled_at: Date }>(
      `UPDATE accounts SET webhook_disabled_at = now() WHERE id = $1 AND webhook_disabled_at IS NULL
       RETURNING webhook_disabled_at AS disabled_at`,
      [accountId],
    );
    if (!disabled.rows[0]) return;
    const at = disabled.rows[0].disabled_at.toISOString();
    await tx.query(
      `INSERT INTO notifications (id, account_id, type, title, body, link, data)
       VALUES ($1, $2, 'webhook_endpoint_disabled', $3, $4, '/api/v1/webhooks/deliveries', $5)
       ON CONFLICT (id) DO NOTHING`,
      [
        deterministicUuid('webhook-endpoint-disabled', accountId, at),
        accountId,
        'Webhook endpoint disabled',
        'Every delivery to your webhook endpoint failed for 24 hours, so deliveries are paused. ' +
          'Fix the endpoint, then re-enable it with POST /api/v1/webhooks/endpoint/enable.',
        JSON.stringify({ disabled_at: at }),
      ],
    );
  }

  return {
    async enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult> {
      if (!WEBHOOK_POLICIES[input.policy])
        throw ApplicationFailure.nonRetryable(`unknown webhook policy ${input.policy}`, ErrorCode.Validation);
      return enqueueDelivery(deps, input).catch(nonRetryable);
    },

    async isWebhookDeliverySettled(deliveryId: string): Promise<boolean> {
      const r = await db.query<{ state: string }>('SELECT state FROM webhook_deliveries WHERE id = $1', [
        deliveryId,
      ]);
      // A vanished predecessor cannot be waited for.
      return !r.rows[0] || (SETTLED_STATES as readonly string[]).includes(r.rows[0].state);
    },

    async attemptWebhookDelivery(input: AttemptInput): Promise<AttemptResult> {
      const r = await db.query<DeliveryRow & { recorded: boolean }>(
        `SELECT d.id, d.account_id, d.policy, d.event, d.subject, d.target_url, d.body, d.headers, d.state, a.webhook_secret,
                EXISTS (SELECT 1 FROM webhook_attempts w WHERE w.delivery_id = d.id AND w.attempt = $2) AS recorded
           FROM webhook_deliveries d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1`,
        [input.deliveryId, input.attempt],
      );
      const d = r.rows[0];
      // Retried after the attempt was recorded (e.g. the worker died before completing): same answer.
      if (d?.recorded) return (await recordedAttempt(d.id, input.attempt)) as AttemptResult;
      if (!d)
        throw ApplicationFailure.nonRetryable(
          `webhook delivery ${input.deliveryId} not found`,
          ErrorCode.NotFound,
        );
      const policy = WEBHOOK_POLICIES[d.policy];
      const secret = d.webhook_secret ?? (await ensureSigningSecret(db, d.account_id));

      // Only a slow call heartbeats: a crashed worker is noticed within the heartbeat timeout.
      const beat = setInterval(() => heartbeat(), 1000);
      let http: HttpOutcome;
      try {
        http = await postJson(
          d.target_url,
          d.body,
          { ...d.headers, ...signatureHeaders(secret, d.id, d.body) },
          {
            timeoutMs: policy.timeoutMs,
            allowPrivate: config.ALLOW_PRIVATE_WEBHOOKS,
          },
        );
      } finally {
        clearInterval(beat);
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

      return withTransaction(db, async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, outcome, response_status, latency_ms, error, response_excerpt)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [d.id, input.attempt, input.attemptedAt, outcome, status, http.latencyMs, error, excerpt],
        );
        if (!inserted.rowCount) return (await recordedAttempt(d.id, input.attempt)) as AttemptResult;
        await tx.query(
          `UPDATE webhook_deliveries SET state = $2, attempt_count = greatest(attempt_count, $3), next_attempt_at = $4,
                  last_status = $5, last_error = $6, completed_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
            WHERE id = $1`,
          [
            d.id,
            state,
            input.attempt,
            state === 'retrying' ? new Date(Date.now() + (input.retryInMs ?? 0)) : null,
            status,
            error,
          ],
        );
        if (state === 'retrying') return { state, outcome, status, successorId: null };
        if (policy.recordsHealth) {
          await tx.query(
            'UPDATE accounts SET health_ok = $2, health_checked_at = $3, health_detail = $4 WHERE id = $1',
            [d.account_id, success, input.attemptedAt, success ? `HTTP ${status}` : error],
          );
        }
        if (!success && !policy.exemptFromDisable) await disableIfFailingTooLong(tx, d.account_id);
        if (!policy.ordered) return { state, outcome, status, successorId: null };
        // Same lock as enqueue: a successor is either visible here, or it sees this delivery settled.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          subjectLockKey(d.account_id, d.subject),
        ]);
        const successor = await tx.query<{ id: string }>(
          'SELECT id FROM webhook_deliveries WHERE previous_id = $1 LIMIT 1',
          [d.id],
        );
        return { state, outcome, status, successorId: successor.rows[0]?.id ?? null };
      });
    },
  };
}
