/**
 * Store of the operator console and the JSON admin endpoints: console sessions, the audit of
 * operator decisions, alert acknowledgement, and the read models the console lists.
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

// ---- audit ----

export interface AuditStart {
  action: string;
  subjectId: string;
  reason: string | null;
  actorAccountId: string;
  actor: string;
  via: string;
  channel: 'console' | 'api';
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
  outcome: 'pending' | 'applied' | 'refused';
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
    `INSERT INTO admin_audit (action, subject_id, reason, actor_account_id, actor, via, channel)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [a.action, a.subjectId, a.reason, a.actorAccountId, a.actor, a.via, a.channel],
  );
  return r.rows[0].id;
}

export async function settleAudit(
  db: Queryable,
  id: number,
  outcome: 'applied' | 'refused',
  detail: string | null,
): Promise<void> {
  await db.query(
    `UPDATE admin_audit SET outcome = $2, outcome_detail = $3, settled_at = now() WHERE id = $1`,
    [id, outcome, detail],
  );
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

// ---- withdrawals ----

export interface WithdrawalRow {
  id: string;
  account_id: string;
  amount: number;
  fee: number;
  net_amount: number;
  address: string;
  status: string;
  status_reason: string | null;
  review_reasons: string[];
  decided_by: string | null;
  txid: string | null;
  created_at: Date;
  updated_at: Date;
}

const WITHDRAWAL_COLUMNS = `id, account_id, amount, fee, net_amount, address, status, status_reason, review_reasons,
  decided_by, txid, created_at, updated_at`;

/** Withdrawals in one status, oldest first (the review queue is worked in arrival order). */
export async function listWithdrawalsByStatus(
  db: Queryable,
  status: string,
  limit: number,
  after?: { createdAt: string; id: string },
): Promise<WithdrawalRow[]> {
  const r = await db.query<WithdrawalRow>(
    `SELECT ${WITHDRAWAL_COLUMNS} FROM withdrawals
      WHERE status = $1 AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
      ORDER BY created_at, id LIMIT $2`,
    [status, limit, after?.createdAt ?? null, after?.id ?? null],
  );
  return r.rows;
}

export async function findWithdrawal(db: Queryable, id: string): Promise<WithdrawalRow | undefined> {
  const r = await db.query<WithdrawalRow>(`SELECT ${WITHDRAWAL_COLUMNS} FROM withdrawals WHERE id = $1`, [
    id,
  ]);
  return r.rows[0];
}

// ---- alerts ----

export type AlertState = 'open' | 'acknowledged' | 'resolved';

export interface AlertRow {
  id: number;
  kind: string;
  subject: string;
  message: string;
  created_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_by_actor: string | null;
}

const ALERT_STATE_SQL = `CASE WHEN resolved_at IS NOT NULL THEN 'resolved'
  WHEN acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END`;

/** Alerts in the given states, newest first. */
export async function listAlerts(
  db: Queryable,
  states: AlertState[],
  limit: number,
  beforeId?: number,
): Promise<AlertRow[]> {
  const r = await db.query<AlertRow>(
    `SELECT id, kind, subject, message, created_at, last_seen_at, resolved_at, acknowledged_at,
            acknowledged_by, acknowledged_by_actor
       FROM operator_alerts
      WHERE (${ALERT_STATE_SQL}) = ANY($1::text[]) AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $2`,
    [states, limit, beforeId ?? null],
  );
  return r.rows;
}

/**
 * Acknowledges an open alert once: the first acknowledgement stands (who and when); answers the
 * alert as it is afterwards, or undefined when there is no such alert.
 */
export async function acknowledgeAlert(
  db: Queryable,
  id: number,
  by: { accountId: string; actor: string },
): Promise<{ alert: AlertRow; acknowledgedNow: boolean } | undefined> {
  const updated = await db.query<AlertRow>(
    `UPDATE operator_alerts SET acknowledged_at = now(), acknowledged_by = $2, acknowledged_by_actor = $3
      WHERE id = $1 AND acknowledged_at IS NULL AND resolved_at IS NULL
      RETURNING *`,
    [id, by.accountId, by.actor],
  );
  if (updated.rows[0]) return { alert: updated.rows[0], acknowledgedNow: true };
  const r = await db.query<AlertRow>('SELECT * FROM operator_alerts WHERE id = $1', [id]);
  return r.rows[0] ? { alert: r.rows[0], acknowledgedNow: false } : undefined;
}

// ---- deposit watcher, webhooks ----

export async function watcherCursor(
  db: Queryable,
  watcherId: string,
): Promise<{ next_block: number; updated_at: Date } | undefined> {
  const r = await db.query<{ next_block: number; updated_at: Date }>(
    'SELECT next_block, updated_at FROM deposit_watch_cursors WHERE watcher_id = $1',
    [watcherId],
  );
  return r.rows[0];
}

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

// ---- search ----

export interface SearchHit {
  kind: 'account' | 'rental' | 'task' | 'task_acceptance' | 'withdrawal' | 'webhook_delivery';
  id: string;
  label: string;
  status: string | null;
  account_id: string | null;
}

/** Everything with this id (any kind), or accounts whose email / username / name starts with `text`. */
export async function search(db: Queryable, q: { id?: string; text?: string }, limit: number) {
  const r = await db.query<SearchHit>(
    `(SELECT 'account' AS kind, id::text, coalesce(email, username, display_name, kind) AS label,
             role AS status, id::text AS account_id
        FROM accounts
       WHERE id = $1::uuid
          OR ($2::text IS NOT NULL AND (lower(email) LIKE $2 OR lower(username) LIKE $2 OR lower(display_name) LIKE $2))
       ORDER BY created_at DESC LIMIT $3)
     UNION ALL
     (SELECT 'rental', id::text, 'rental ' || code, status, renter_id::text FROM rentals WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'task', id::text, title, status, creator_id::text FROM tasks WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'task_acceptance', id::text, 'acceptance of task ' || task_id, status, worker_id::text
        FROM task_acceptances WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'withdrawal', id::text, 'withdrawal to ' || address, status, account_id::text
        FROM withdrawals WHERE id = $1::uuid)
     UNION ALL
     (SELECT 'webhook_delivery', id::text, event || ' → ' || coalesce(target_url, '-'), state, account_id::text
        FROM webhook_deliveries WHERE id = $1::uuid)`,
    [q.id ?? null, q.text ? `${q.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null, limit],
  );
  return r.rows;
}
