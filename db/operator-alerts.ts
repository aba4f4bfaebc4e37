/** The operator_alerts table: what needs a human, raised (once per open kind+subject) and resolved. */
import type { Queryable } from './pool';

/** An open alert of the same kind and subject is only seen again: its first message stays. */
export const insertOperatorAlert = (db: Queryable, kind: string, subject: string, message: string) =>
  db.query(
    `INSERT INTO operator_alerts (kind, subject, message) VALUES ($1, $2, $3)
       ON CONFLICT (kind, subject) WHERE resolved_at IS NULL DO UPDATE SET last_seen_at = now()`,
    [kind, subject, message],
  );

/** An open alert of the same kind and subject is seen again and takes the new message. */
export const raiseOperatorAlert = (db: Queryable, kind: string, subject: string, message: string) =>
  db.query(
    `INSERT INTO operator_alerts (kind, subject, message) VALUES ($1, $2, $3)
       ON CONFLICT (kind, subject) WHERE resolved_at IS NULL DO UPDATE SET last_seen_at = now(), message = EXCLUDED.message`,
    [kind, subject, message],
  );

export const resolveOperatorAlert = (db: Queryable, kind: string, subject: string) =>
  db.query(
    'UPDATE operator_alerts SET resolved_at = now() WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL',
    [kind, subject],
  );

export const alertUnownedHold = (db: Queryable, subject: string, message: string) =>
  db.query(
    `INSERT INTO operator_alerts (kind, subject, message) VALUES ('ownerless_hold', $1, $2)
           ON CONFLICT (kind, subject) WHERE resolved_at IS NULL DO UPDATE SET last_seen_at = now(), message = EXCLUDED.message`,
    [subject, message],
  );

// ---- the console: list and acknowledge ----

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

const ALERT_COLUMNS = `id, kind, subject, message, created_at, last_seen_at, resolved_at, acknowledged_at,
  acknowledged_by, acknowledged_by_actor`;

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
    `SELECT ${ALERT_COLUMNS}
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
      RETURNING ${ALERT_COLUMNS}`,
    [id, by.accountId, by.actor],
  );
  if (updated.rows[0]) return { alert: updated.rows[0], acknowledgedNow: true };
  const r = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM operator_alerts WHERE id = $1`, [id]);
  return r.rows[0] ? { alert: r.rows[0], acknowledgedNow: false } : undefined;
}
