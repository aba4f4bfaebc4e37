import type { AttemptOutcome, DeliveryState, WebhookPolicyName } from '../domain/webhooks';
import type { Queryable } from './pool';

/** A delivery as the log shows it (`COLUMNS`). */
export interface DeliveryRow {
  seq: number;
  id: string;
  account_id: string;
  event: string;
  policy: string;
  subject: string;
  state: DeliveryState;
  skip_reason: string | null;
  target_url: string | null;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  redelivery_of: string | null;
  created_at: Date;
  completed_at: Date | null;
  body: string;
  headers: Record<string, string>;
}

/** The columns of a delivery the log shows. */
const COLUMNS = `seq, id, account_id, event, policy, subject, state, skip_reason, target_url, attempt_count,
  next_attempt_at, last_status, last_error, redelivery_of, created_at, completed_at, body, headers`;

/** What enqueuing a delivery needs back: the row just inserted, or the one already there. */
export interface EnqueuedDeliveryRow {
  id: string;
  state: DeliveryState;
  previous_id: string | null;
  policy: string;
  event: string;
  subject: string;
  target_url: string | null;
}

/** A recorded attempt's outcome with its delivery's state and successor (a retried activity's answer). */
export interface AttemptOutcomeRow {
  outcome: AttemptOutcome;
  response_status: number | null;
  state: DeliveryState;
  successor: string | null;
}

/** What one attempt needs: the delivery, its account's signing secret, and whether it was recorded. */
export interface DeliveryAttemptRow {
  id: string;
  account_id: string;
  policy: WebhookPolicyName;
  event: string;
  subject: string;
  /** Null only for a skipped delivery, which is never attempted. */
  target_url: string | null;
  body: string;
  headers: Record<string, string>;
  state: DeliveryState;
  webhook_secret: string | null;
  recorded: boolean;
}

export const deliveryById = (db: Queryable, id: string) =>
  db.query<DeliveryRow>(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]);

export const deliveriesOf = (
  db: Queryable,
  accountId: string,
  /** Only deliveries older than this `seq` (the cursor's key): null for the first page. */
  beforeSeq: number | null,
  event: string | null,
  state: string | null,
  since: string | null,
  until: string | null,
  limit: number,
) =>
  db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM webhook_deliveries
      WHERE account_id = $1
        AND ($2::bigint IS NULL OR seq < $2)
        AND ($3::text IS NULL OR event = $3)
        AND ($4::text IS NULL OR state = $4)
        AND ($5::timestamptz IS NULL OR created_at >= $5)
        AND ($6::timestamptz IS NULL OR created_at < $6)
      ORDER BY seq DESC LIMIT $7`,
    [accountId, beforeSeq, event, state, since, until, limit],
  );

export const attemptsOf = (db: Queryable, deliveryId: string) =>
  db.query<{
    attempt: number;
    attempted_at: Date;
    outcome: 'success' | 'rejected' | 'timeout' | 'network_error' | 'refused';
    response_status: number | null;
    latency_ms: number;
    error: string | null;
    response_excerpt: string | null;
  }>(
    `SELECT attempt, attempted_at, outcome, response_status, latency_ms, error, response_excerpt
       FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );

export const skipReasonOf = (db: Queryable, deliveryId: string) =>
  db.query<{ skip_reason: string | null }>('SELECT skip_reason FROM webhook_deliveries WHERE id = $1', [
    deliveryId,
  ]);

export const setWebhookSecret = (db: Queryable, accountId: string, secret: string) =>
  db.query('UPDATE accounts SET webhook_secret = $2 WHERE id = $1', [accountId, secret]);

export const setWebhookUrl = (db: Queryable, accountId: string, url: string | null) =>
  db.query<{ webhook_url: string | null }>(
    'UPDATE accounts SET webhook_url = $2, webhook_disabled_at = NULL WHERE id = $1 RETURNING webhook_url',
    [accountId, url],
  );

export const enableWebhookEndpoint = (db: Queryable, accountId: string) =>
  db.query<{ webhook_url: string | null }>(
    'UPDATE accounts SET webhook_disabled_at = NULL WHERE id = $1 RETURNING webhook_url',
    [accountId],
  );

export const recordEndpointReset = (db: Queryable, accountId: string) =>
  db.query(
    `INSERT INTO webhook_endpoint_resets (account_id, reset_at) VALUES ($1, now())
     ON CONFLICT (account_id) DO UPDATE SET reset_at = now()`,
    [accountId],
  );

export const deliverySubjectOf = (db: Queryable, deliveryId: string) =>
  db.query<{ account_id: string; subject: string }>(
    'SELECT account_id, subject FROM webhook_deliveries WHERE id = $1',
    [deliveryId],
  );

export const deadLetterDelivery = (db: Queryable, deliveryId: string, error: string) =>
  db.query(
    `UPDATE webhook_deliveries
              SET state = 'failed', next_attempt_at = NULL, completed_at = coalesce(completed_at, now()),
                  last_error = $2
            WHERE id = $1 AND state NOT IN ('delivered', 'failed', 'skipped')`,
    [deliveryId, error],
  );

export const deliveryWaitingOn = (db: Queryable, deliveryId: string) =>
  db.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE previous_id = $1 LIMIT 1', [deliveryId]);

export const webhookEndpointOf = (db: Queryable, accountId: string) =>
  db.query<{ webhook_url: string | null; disabled: boolean }>(
    'SELECT webhook_url, webhook_disabled_at IS NOT NULL AS disabled FROM accounts WHERE id = $1',
    [accountId],
  );

export const lockWebhookSubject = (db: Queryable, lockKey: string) =>
  db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);

export const latestDeliveryOfSubject = (
  db: Queryable,
  accountId: string,
  subject: string,
  deliveryId: string,
  settledStates: readonly string[],
) =>
  db.query<{ id: string; settled: boolean }>(
    `SELECT id, state = ANY($4) AS settled FROM webhook_deliveries
          WHERE account_id = $1 AND subject = $2 AND state <> 'skipped' AND id <> $3
          ORDER BY seq DESC LIMIT 1`,
    [accountId, subject, deliveryId, settledStates],
  );

export const insertDelivery = (
  db: Queryable,
  id: string,
  eventKey: string,
  accountId: string,
  policy: string,
  event: string,
  subject: string,
  targetUrl: string | null,
  bodyJson: string,
  headersJson: string,
  state: string,
  skipReason: string | null,
  previousId: string | null,
  redeliveryOf: string | null,
) =>
  db.query<EnqueuedDeliveryRow>(
    `INSERT INTO webhook_deliveries
         (id, event_key, account_id, policy, event, subject, target_url, body, headers, state, skip_reason,
          previous_id, redelivery_of, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $10 = 'skipped' THEN now() END)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, state, previous_id, policy, event, subject, target_url`,
    [
      id,
      eventKey,
      accountId,
      policy,
      event,
      subject,
      targetUrl,
      bodyJson,
      headersJson,
      state,
      skipReason,
      previousId,
      redeliveryOf,
    ],
  );

export const enqueuedDelivery = (db: Queryable, deliveryId: string) =>
  db.query<EnqueuedDeliveryRow>(
    'SELECT id, state, previous_id, policy, event, subject, target_url FROM webhook_deliveries WHERE id = $1',
    [deliveryId],
  );

export const ensureWebhookSecret = (db: Queryable, accountId: string, secret: string) =>
  db.query<{ webhook_secret: string }>(
    `UPDATE accounts SET webhook_secret = coalesce(webhook_secret, $2) WHERE id = $1 RETURNING webhook_secret`,
    [accountId, secret],
  );

export const attemptOutcomeOf = (db: Queryable, deliveryId: string, attempt: number) =>
  db.query<AttemptOutcomeRow>(
    `SELECT a.outcome, a.response_status, d.state,
              (SELECT s.id FROM webhook_deliveries s WHERE s.previous_id = d.id LIMIT 1) AS successor
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE a.delivery_id = $1 AND a.attempt = $2`,
    [deliveryId, attempt],
  );

export const endpointFailingSince = (
  db: Queryable,
  accountId: string,
  exempt: readonly string[],
  failingSeconds: number,
) =>
  db.query<{ failing: boolean }>(
    `WITH counted AS (
         SELECT a.attempted_at, a.outcome FROM webhook_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id
          WHERE d.account_id = $1 AND d.policy <> ALL($2)
            AND a.attempted_at > coalesce((SELECT reset_at FROM webhook_endpoint_resets WHERE account_id = $1), '-infinity')),
       last_ok AS (SELECT max(attempted_at) AS at FROM counted WHERE outcome = 'success')
       SELECT coalesce(max(c.attempted_at) - min(c.attempted_at) >= make_interval(secs => $3), false) AS failing
         FROM counted c, last_ok WHERE c.outcome <> 'success' AND c.attempted_at > coalesce(last_ok.at, '-infinity')`,
    [accountId, exempt, failingSeconds],
  );

export const disableWebhookEndpoint = (db: Queryable, accountId: string) =>
  db.query<{ disabled_at: Date }>(
    `UPDATE accounts SET webhook_disabled_at = now() WHERE id = $1 AND webhook_disabled_at IS NULL
       RETURNING webhook_disabled_at AS disabled_at`,
    [accountId],
  );

export const insertEndpointDisabledNotice = (
  db: Queryable,
  id: string,
  accountId: string,
  title: string,
  body: string,
  dataJson: string,
) =>
  db.query(
    `INSERT INTO notifications (id, account_id, type, title, body, link, data)
       VALUES ($1, $2, 'webhook_endpoint_disabled', $3, $4, '/api/v1/webhooks/deliveries', $5)
       ON CONFLICT (id) DO NOTHING`,
    [id, accountId, title, body, dataJson],
  );

export const deliveryStateOf = (db: Queryable, deliveryId: string) =>
  db.query<{ state: string }>('SELECT state FROM webhook_deliveries WHERE id = $1', [deliveryId]);

export const deliveryForAttempt = (db: Queryable, deliveryId: string, attempt: number) =>
  db.query<DeliveryAttemptRow>(
    `SELECT d.id, d.account_id, d.policy, d.event, d.subject, d.target_url, d.body, d.headers, d.state, a.webhook_secret,
                EXISTS (SELECT 1 FROM webhook_attempts w WHERE w.delivery_id = d.id AND w.attempt = $2) AS recorded
           FROM webhook_deliveries d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1`,
    [deliveryId, attempt],
  );

export const insertAttempt = (
  db: Queryable,
  deliveryId: string,
  attempt: number,
  attemptedAt: string,
  outcome: string,
  responseStatus: number | null,
  latencyMs: number,
  error: string | null,
  excerpt: string | null,
) =>
  db.query(
    `INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, outcome, response_status, latency_ms, error, response_excerpt)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [deliveryId, attempt, attemptedAt, outcome, responseStatus, latencyMs, error, excerpt],
  );

export const recordDeliveryState = (
  db: Queryable,
  deliveryId: string,
  state: string,
  attempt: number,
  nextAttemptAt: Date | null,
  status: number | null,
  error: string | null,
) =>
  db.query(
    `UPDATE webhook_deliveries SET state = $2, attempt_count = greatest(attempt_count, $3), next_attempt_at = $4,
                  last_status = $5, last_error = $6, completed_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
            WHERE id = $1`,
    [deliveryId, state, attempt, nextAttemptAt, status, error],
  );

export const recordEndpointHealth = (
  db: Queryable,
  accountId: string,
  ok: boolean,
  checkedAt: string,
  detail: string | null,
) =>
  db.query('UPDATE accounts SET health_ok = $2, health_checked_at = $3, health_detail = $4 WHERE id = $1', [
    accountId,
    ok,
    checkedAt,
    detail,
  ]);

export interface DisabledEndpointRow {
  account_id: string;
  name: string | null;
  webhook_url: string | null;
  disabled_at: Date;
  last_failed_delivery_id: string | null;
  last_error: string | null;
}

/** Accounts whose webhook endpoint is disabled, most recently disabled first. */
export async function listDisabledEndpoints(
  db: Queryable,
  limit: number,
  after?: { disabledAt: string; accountId: string },
): Promise<DisabledEndpointRow[]> {
  const r = await db.query<DisabledEndpointRow>(
    `SELECT a.id AS account_id, coalesce(a.display_name, a.email, a.username) AS name, a.webhook_url,
            a.webhook_disabled_at AS disabled_at, d.id AS last_failed_delivery_id, d.last_error
       FROM accounts a
       LEFT JOIN LATERAL (
         SELECT id, last_error FROM webhook_deliveries
          WHERE account_id = a.id AND state = 'failed' ORDER BY seq DESC LIMIT 1
       ) d ON true
      WHERE a.webhook_disabled_at IS NOT NULL
        AND ($2::timestamptz IS NULL OR (a.webhook_disabled_at, a.id) < ($2::timestamptz, $3::uuid))
      ORDER BY a.webhook_disabled_at DESC, a.id DESC LIMIT $1`,
    [limit, after?.disabledAt ?? null, after?.accountId ?? null],
  );
  return r.rows;
}
