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
