/**
 * Store of the operators: console sessions (console_sessions), the audit of operator decisions
 * (admin_audit) and the console's search by id across contexts. Alerts are in
 * db/operator-alerts.ts; each context's console reads are in its own store.
 */
import type { Queryable } from './pool';
import type { SessionState } from '../domain/console';

export interface NewSession {
  tokenHash: string;
  accountId: string;
  via: SessionState['via'];
  keyId: string | null;
  adminKeyHash: string | null;
  actor: string;
  csrfToken: string;
  ttlMinutes: number;
}

export interface StoredSession extends SessionState {
  accountId: string;
  actor: string;
  csrfToken: string;
}

export async function createSession(db: Queryable, s: NewSession): Promise<{ expiresAt: Date }> {
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO console_sessions (token_hash, account_id, via, key_id, admin_key_hash, actor, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(mins => $8))
     RETURNING expires_at`,
    [s.tokenHash, s.accountId, s.via, s.keyId, s.adminKeyHash, s.actor, s.csrfToken, s.ttlMinutes],
  );
  return { expiresAt: r.rows[0].expires_at };
}

export async function findSession(db: Queryable, tokenHash: string): Promise<StoredSession | undefined> {
  const r = await db.query<{
    account_id: string;
    via: SessionState['via'];
    actor: string;
    csrf_token: string;
    expires_at: Date;
    revoked_at: Date | null;
    admin_key_hash: string | null;
    role: 'user' | 'admin' | null;
    is_bot: boolean | null;
    key_revoked: boolean;
  }>(
    `SELECT s.account_id, s.via, s.actor, s.csrf_token, s.expires_at, s.revoked_at, s.admin_key_hash,
            a.role, a.is_bot, (s.key_id IS NOT NULL AND (k.id IS NULL OR k.revoked_at IS NOT NULL)) AS key_revoked
       FROM console_sessions s
       LEFT JOIN accounts a ON a.id = s.account_id
       LEFT JOIN api_keys k ON k.id = s.key_id
      WHERE s.token_hash = $1`,
    [tokenHash],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    accountId: row.account_id,
    via: row.via,
    actor: row.actor,
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    adminKeyHash: row.admin_key_hash,
    accountRole: row.role,
    accountIsBot: row.is_bot,
    keyRevoked: row.key_revoked,
  };
}

export async function revokeSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query(
    'UPDATE console_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL',
    [tokenHash],
  );
}

/** Who an account is, for the audit: its email, else username, else display name, else its id. */
export async function actorLabel(db: Queryable, accountId: string): Promise<string> {
  const r = await db.query<{ label: string | null }>(
    'SELECT coalesce(email, username, display_name) AS label FROM accounts WHERE id = $1',
    [accountId],
  );
  return r.rows[0]?.label ?? accountId;
}

/** The account whose money an operator decides, with the person who owns it (a bot's owner). */
export async function moneySubjectOf(
  db: Queryable,
  accountId: string,
): Promise<{ accountId: string; ownerId: string | null } | undefined> {
  const r = await db.query<{ owner_id: string | null }>('SELECT owner_id FROM accounts WHERE id = $1', [
    accountId,
  ]);
  return r.rows[0] ? { accountId, ownerId: r.rows[0].owner_id } : undefined;
}

// ---- audit ----

export interface AuditStart {
  action: string;
  subjectId: string;
  reason: string | null;
  actorAccountId: string;
  actor: string;
  via: string;
  channel: 'console' | 'api';
  /** The ledger reference of the journal the decision posts, when it posts one (an adjustment). */
  journalReference?: string;
}

export interface AuditEntry {
  id: number;
  action: string;
  subject_id: string;
  reason: string | null;
  actor: string;
  actor_account_id: string;
  via: string;
  channel: 'console' | 'api';
  outcome: AuditOutcome | 'pending';
  outcome_detail: string | null;
  created_at: Date;
  settled_at: Date | null;
  /** Where the subject stands now (a withdrawal's status, an alert's state). */
  subject_status: string | null;
}

const AUDIT_COLUMNS = `a.id, a.action, a.subject_id, a.reason, a.actor, a.actor_account_id, a.via, a.channel, a.outcome,
  a.outcome_detail, a.created_at, a.settled_at, coalesce(w.status, al.state) AS subject_status`;
const SUBJECT_STATUS_JOIN = `
  LEFT JOIN withdrawals w ON a.action LIKE 'withdrawal.%' AND w.id::text = a.subject_id
  LEFT JOIN LATERAL (
    SELECT CASE WHEN resolved_at IS NOT NULL THEN 'resolved' WHEN acknowledged_at IS NOT NULL THEN 'acknowledged'
                ELSE 'open' END AS state
      FROM operator_alerts WHERE a.action LIKE 'alert.%' AND id::text = a.subject_id
  ) al ON true`;

/** Recorded before the decision is sent, so a decision is never made unrecorded. */
export async function startAudit(db: Queryable, a: AuditStart): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO admin_audit (action, subject_id, reason, actor_account_id, actor, via, channel, journal_reference)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      a.action,
      a.subjectId,
      a.reason,
      a.actorAccountId,
      a.actor,
      a.via,
      a.channel,
      a.journalReference ?? null,
    ],
  );
  return r.rows[0].id;
}

/** How a decision ended; `unknown` when its answer did not come (see completeOpenAudits). */
export type AuditOutcome = 'applied' | 'refused' | 'unknown';

export async function settleAudit(
  db: Queryable,
  id: number,
  outcome: AuditOutcome,
  detail: string | null,
): Promise<void> {
  await db.query(
    `UPDATE admin_audit SET outcome = $2, outcome_detail = $3, settled_at = now() WHERE id = $1`,
    [id, outcome, detail],
  );
}

/**
 * An entry still `pending` this long after it was opened lost its deciding process (every admin
 * request answers within ADMIN_REQUEST_DEADLINE_MS, at most 55 s): nobody will record its outcome,
 * so it becomes `unknown` and is completed from its subject like any other.
 */
export const STALE_PENDING_AUDIT_SECONDS = 60;

/**
 * A decision that posts a journal (an adjustment: one transaction inside a request that answers
 * within ADMIN_REQUEST_DEADLINE_MS) and has not posted it this long after its entry opened never
 * will: its `unknown` entry is completed as refused. Ten minutes leaves a wide margin.
 */
export const UNPOSTED_AUDIT_SECONDS = 600;

export interface AuditCompletion {
  /** Pending entries whose process stopped before recording an outcome, now `unknown`. */
  markedUnknown: number;
  /** `unknown` entries completed to `applied` or `refused` from their subject. */
  completed: number;
}

/**
 * The one rule that completes the audit, run before it is shown and by the
 * `admin-audit-completion` Temporal Schedule (so nobody has to look). Idempotent; each statement
 * touches only what is still open.
 *
 * First, pending entries older than `stalePendingSeconds` become `unknown`. Then `unknown` entries
 * are completed from their subject once it shows what became of the decision:
 * - a withdrawal decision, once the withdrawal left review: applied when this operator decided it
 *   and the way they asked (a rejection ends `rejected`, an approval anywhere else), refused
 *   otherwise (another operator decided, or the request never reached the workflow);
 * - an operator's end of a rental, once the rental ended: applied when an operator ended it,
 *   refused when the clock, the renter or the owner did.
 * - an alert's acknowledgement (one statement, done or not by the time its entry is stale):
 *   applied when this operator acknowledged the alert after opening the entry, refused otherwise.
 * - a decision that posts a journal (an adjustment), from the ledger: applied once a journal with
 *   the entry's `journal_reference` exists, refused when none exists UNPOSTED_AUDIT_SECONDS after
 *   the entry opened.
 * A withdrawal still in review or a rental still running leaves its entry unknown: the decision
 * may yet arrive. Other actions (an extension, a lifted lock-out) have no subject state that
 * tells, and stay `unknown`.
 */
export async function completeOpenAudits(
  db: Queryable,
  stalePendingSeconds: number = STALE_PENDING_AUDIT_SECONDS,
  unpostedSeconds: number = UNPOSTED_AUDIT_SECONDS,
): Promise<AuditCompletion> {
  const stale = await db.query(
    `UPDATE admin_audit
        SET outcome = 'unknown',
            outcome_detail = 'no outcome recorded: the deciding request stopped before it answered',
            settled_at = now()
      WHERE outcome = 'pending' AND created_at < now() - make_interval(secs => $1)`,
    [stalePendingSeconds],
  );
  const withdrawals = await db.query(
    `UPDATE admin_audit a
        SET outcome = CASE
              WHEN w.decided_by = a.actor_account_id
                   AND (a.action = 'withdrawal.reject') = (w.status = 'rejected') THEN 'applied'
              ELSE 'refused' END,
            outcome_detail = concat_ws('; ', a.outcome_detail, 'completed: withdrawal is ' || w.status),
            settled_at = now()
       FROM withdrawals w
      WHERE a.outcome = 'unknown' AND a.action IN ('withdrawal.approve', 'withdrawal.reject')
        AND w.id::text = a.subject_id AND w.status <> 'review'`,
  );
  const rentals = await db.query(
    `UPDATE admin_audit a
        SET outcome = CASE WHEN r.ended_by = 'operator' THEN 'applied' ELSE 'refused' END,
            outcome_detail = concat_ws('; ', a.outcome_detail,
              'completed: rental ended by ' || coalesce(r.ended_by, 'unknown')),
            settled_at = now()
       FROM rentals r
      WHERE a.outcome = 'unknown' AND a.action = 'rental.end'
        AND r.id::text = a.subject_id AND r.status = 'ended'`,
  );
  const alerts = await db.query(
    `UPDATE admin_audit a
        SET outcome = CASE
              WHEN al.acknowledged_by = a.actor_account_id AND al.acknowledged_at >= a.created_at
              THEN 'applied' ELSE 'refused' END,
            outcome_detail = concat_ws('; ', a.outcome_detail, 'completed: alert is ' ||
              CASE WHEN al.acknowledged_at IS NOT NULL THEN 'acknowledged by ' || al.acknowledged_by_actor
                   WHEN al.resolved_at IS NOT NULL THEN 'resolved' ELSE 'open' END),
            settled_at = now()
       FROM operator_alerts al
      WHERE a.outcome = 'unknown' AND a.action = 'alert.acknowledge' AND al.id::text = a.subject_id`,
  );
  const journals = await db.query(
    `WITH open AS (
       SELECT a.id, a.created_at,
              (SELECT j.id FROM ledger_journals j WHERE j.reference = a.journal_reference LIMIT 1) AS journal_id
         FROM admin_audit a
        WHERE a.outcome = 'unknown' AND a.journal_reference IS NOT NULL)
     UPDATE admin_audit a
        SET outcome = CASE WHEN o.journal_id IS NOT NULL THEN 'applied' ELSE 'refused' END,
            outcome_detail = concat_ws('; ', a.outcome_detail,
              CASE WHEN o.journal_id IS NOT NULL THEN 'completed: journal ' || o.journal_id || ' posted'
                   ELSE 'completed: nothing posted' END),
            settled_at = now()
       FROM open o
      WHERE a.id = o.id
        AND (o.journal_id IS NOT NULL OR o.created_at < now() - make_interval(secs => $1))`,
    [unpostedSeconds],
  );
  return {
    markedUnknown: stale.rowCount ?? 0,
    completed:
      (withdrawals.rowCount ?? 0) +
      (rentals.rowCount ?? 0) +
      (alerts.rowCount ?? 0) +
      (journals.rowCount ?? 0),
  };
}

/** The audit of these subjects, newest first. */
export async function auditOf(db: Queryable, subjectIds: string[]): Promise<AuditEntry[]> {
  if (subjectIds.length === 0) return [];
  const r = await db.query<AuditEntry>(
    `SELECT ${AUDIT_COLUMNS} FROM admin_audit a ${SUBJECT_STATUS_JOIN}
      WHERE a.subject_id = ANY($1::text[]) ORDER BY a.id DESC`,
    [subjectIds],
  );
  return r.rows;
}

/** The latest decisions of all kinds, newest first (the console's audit log). */
export async function recentAudit(db: Queryable, limit: number, beforeId?: number): Promise<AuditEntry[]> {
  const r = await db.query<AuditEntry>(
    `SELECT ${AUDIT_COLUMNS} FROM admin_audit a ${SUBJECT_STATUS_JOIN}
      WHERE ($2::bigint IS NULL OR a.id < $2) ORDER BY a.id DESC LIMIT $1`,
    [limit, beforeId ?? null],
  );
  return r.rows;
}

// ---- search ----

export interface SearchHit {
  kind: 'account' | 'rental' | 'task' | 'task_acceptance' | 'withdrawal' | 'webhook_delivery';
  id: string;
  label: string;
  status: string | null;
  account_id: string | null;
  /** Accounts only: bots are full accounts, flagged so an operator tells them from people. */
  is_bot: boolean | null;
}

/** Everything with this id (any kind), or accounts whose email / username / name starts with `text`. */
export async function search(db: Queryable, q: { id?: string; text?: string }, limit: number) {
  const r = await db.query<SearchHit>(
    `(SELECT 'account' AS kind, id::text, coalesce(email, username, display_name, kind) AS label,
             role AS status, id::text AS account_id, is_bot
        FROM accounts
       WHERE id = $1::uuid
          OR ($2::text IS NOT NULL AND (lower(email) LIKE $2 OR lower(username) LIKE $2 OR lower(display_name) LIKE $2))
       ORDER BY created_at DESC LIMIT $3)
     UNION ALL
     (SELECT 'rental', id::text, 'rental ' || code, status, renter_id::text, NULL::boolean FROM rentals WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'task', id::text, title, status, creator_id::text, NULL::boolean FROM tasks WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'task_acceptance', id::text, 'acceptance of task ' || task_id, status, worker_id::text, NULL::boolean
        FROM task_acceptances WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'withdrawal', id::text, 'withdrawal to ' || address, status, account_id::text, NULL::boolean
        FROM withdrawals WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'webhook_delivery', id::text, event || ' → ' || coalesce(target_url, '-'), state, account_id::text, NULL::boolean
        FROM webhook_deliveries WHERE id = $1::uuid)`,
    [q.id ?? null, q.text ? `${q.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null, limit],
  );
  return r.rows;
}
