/**
 * The transcript gate on the rentals row (9100_rental_transcript.sql), shared by the API's
 * `/v1/chat` for proxy agents and the rental workflow's activities. Every statement that stores a
 * message takes its `seq` from the row in the same statement, so the row lock of that UPDATE
 * orders all writers across processes, and stores nothing once the workflow's end has closed the
 * transcript (`closeTranscript`, same row lock).
 */
import type { NewNotification } from '../domain/rental-notifications';
import type { RentalMessageRow } from '../domain/rental-store';
import { pgErrorCode, type Queryable } from './pool';

/** Postgres refused the text itself (a NUL, an untranslatable character: SQLSTATE class 22). */
export const isUnstorableText = (err: unknown): boolean => pgErrorCode(err)?.startsWith('22') === true;

/** Why `storeChatTurn` stored nothing (`stored`: it did, and took the chat lease). */
export type ChatTurnOutcome = 'stored' | 'busy' | 'closed' | 'not_proxy' | 'missing';

export interface ChatTurn {
  outcome: ChatTurnOutcome;
  seq: number | null;
  ends_at: Date | null;
  agent_name: string | null;
  webhook_url: string | null;
  webhook_token: string | null;
}

/** Open for a chat's reply: not closed by the end, not ended, and before the clock's end. */
const OPEN_FOR_CHAT = `transcript_closed_at IS NULL AND status <> 'ended' AND now() < ends_at`;
/** Open for a new chat: the same, and the end has not asked to close. */
const OPEN_FOR_TURN = `${OPEN_FOR_CHAT} AND NOT transcript_closing`;
const LEASE_FREE = `(chat_lease IS NULL OR chat_lease_until < now())`;

/**
 * A renter's `/v1/chat` message to a proxy agent, in one statement (one transaction): takes the
 * rental's chat lease for `leaseMs` and the next `seq` from the row, stores the message and its
 * `rental_message` notification (a proxy agent takes no pushed events, so that is the event's
 * whole delivery, decided with the integration read under the same row lock) — all of it, or
 * nothing with the reason: the lease is held by another chat (`busy`), the transcript is closed,
 * or the agent is not a proxy (the chat goes through the workflow).
 */
export async function storeChatTurn(
  db: Queryable,
  m: {
    rentalId: string;
    messageId: string;
    senderId: string;
    content: string;
    leaseMs: number;
    notification: NewNotification;
  },
): Promise<ChatTurn> {
  const r = await db.query<ChatTurn>(
    `WITH turn AS (
       UPDATE rentals SET next_seq = next_seq + 1, chat_lease = $2,
              chat_lease_until = clock_timestamp() + $5 * interval '1 millisecond'
        WHERE id = $1 AND ${OPEN_FOR_TURN} AND ${LEASE_FREE}
          AND (SELECT integration FROM accounts WHERE id = rentals.agent_id) = 'proxy'
        RETURNING next_seq - 1 AS seq, ends_at, agent_id),
     msg AS (
       INSERT INTO rental_messages (id, rental_id, seq, sender_id, content)
       SELECT $2, $1, t.seq, $3, $4 FROM turn t RETURNING id),
     note AS (
       INSERT INTO notifications (id, account_id, type, title, body, link, data)
       SELECT n.id, n."accountId", n.type, n.title, n.body, n.link, coalesce(n.data, '{}'::jsonb)
         FROM jsonb_to_recordset($6::jsonb)
           AS n(id uuid, "accountId" uuid, type text, title text, body text, link text, data jsonb)
        WHERE EXISTS (SELECT 1 FROM msg)
       ON CONFLICT (id) DO NOTHING)
     SELECT CASE WHEN t.seq IS NOT NULL THEN 'stored'
                 WHEN r.id IS NULL THEN 'missing'
                 WHEN NOT (r.transcript_closed_at IS NULL AND r.status <> 'ended' AND now() < r.ends_at
                           AND NOT r.transcript_closing) THEN 'closed'
                 WHEN a.integration IS DISTINCT FROM 'proxy' THEN 'not_proxy'
                 ELSE 'busy' END AS outcome,
            t.seq, t.ends_at, coalesce(a.display_name, a.username) AS agent_name, a.webhook_url, a.webhook_token
       FROM (SELECT 1) one
       LEFT JOIN turn t ON true
       LEFT JOIN rentals r ON r.id = $1
       LEFT JOIN accounts a ON a.id = r.agent_id`,
    [m.rentalId, m.messageId, m.senderId, m.content, m.leaseMs, JSON.stringify([m.notification])],
  );
  return r.rows[0];
}

/**
 * The proxy agent's reply to the chat whose lease is `leaseId`, in one statement: stored with the
 * next `seq` while the transcript is open (else not: it is still answered), and the lease given
 * back. `stored` false: the rental ended meanwhile.
 */
export async function storeChatReply(
  db: Queryable,
  m: { rentalId: string; leaseId: string; messageId: string; senderId: string; content: string },
): Promise<{ stored: boolean }> {
  const r = await db.query<{ stored: boolean }>(
    `WITH turn AS (
       UPDATE rentals SET next_seq = next_seq + CASE WHEN ${OPEN_FOR_CHAT} THEN 1 ELSE 0 END,
              chat_lease = CASE WHEN chat_lease = $2 THEN NULL ELSE chat_lease END,
              chat_lease_until = CASE WHEN chat_lease = $2 THEN NULL ELSE chat_lease_until END
        WHERE id = $1
        RETURNING next_seq - 1 AS seq, ${OPEN_FOR_CHAT} AS open),
     msg AS (
       INSERT INTO rental_messages (id, rental_id, seq, sender_id, content)
       SELECT $3, $1, t.seq, $4, $5 FROM turn t WHERE t.open RETURNING id)
     SELECT EXISTS (SELECT 1 FROM msg) AS stored`,
    [m.rentalId, m.leaseId, m.messageId, m.senderId, m.content],
  );
  return r.rows[0];
}

/** Gives the chat lease back (a chat that failed); a lease someone else holds is left alone. */
export async function releaseChatLease(db: Queryable, rentalId: string, leaseId: string): Promise<void> {
  await db.query(
    `UPDATE rentals SET chat_lease = NULL, chat_lease_until = NULL WHERE id = $1 AND chat_lease = $2`,
    [rentalId, leaseId],
  );
}

/** Extends a chat lease still held by `leaseId` to `leaseMs` from now. */
export async function renewChatLease(
  db: Queryable,
  rentalId: string,
  leaseId: string,
  leaseMs: number,
): Promise<void> {
  await db.query(
    `UPDATE rentals SET chat_lease_until = clock_timestamp() + $3 * interval '1 millisecond'
      WHERE id = $1 AND chat_lease = $2`,
    [rentalId, leaseId, leaseMs],
  );
}

/**
 * A message stored by the rental workflow (the bot's, a participant's, an events agent's chat),
 * `seq` from the row, once per id (a retried activity returns the stored row), only while the
 * transcript is open: no row back means it was closed. Also tells the agent's integration.
 */
export async function insertMessageInRow(
  db: Queryable,
  m: { id: string; rentalId: string; senderId: string; content: string; agentId: string | null },
): Promise<(RentalMessageRow & { agent_integration: 'events' | 'proxy' | null }) | undefined> {
  // A CTE's insert is invisible to the same statement's reads, so a retry's existing row is the fallback.
  const r = await db.query<RentalMessageRow & { agent_integration: 'events' | 'proxy' | null }>(
    `WITH earlier AS (
       SELECT id, rental_id, seq, sender_id, content, created_at FROM rental_messages WHERE id = $1),
     turn AS (
       UPDATE rentals SET next_seq = next_seq + 1
        WHERE id = $2 AND transcript_closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM earlier)
        RETURNING next_seq - 1 AS seq),
     ins AS (
       INSERT INTO rental_messages (id, rental_id, seq, sender_id, content)
       SELECT $1, $2, t.seq, $3, $4 FROM turn t
       RETURNING id, rental_id, seq, sender_id, content, created_at),
     msg AS (
       SELECT id, rental_id, seq, sender_id, content, created_at FROM ins
       UNION ALL
       SELECT id, rental_id, seq, sender_id, content, created_at FROM earlier)
     SELECT m.id, m.rental_id, m.seq, m.sender_id, coalesce(s.username, s.display_name) AS sender_username,
            m.content, m.created_at, (SELECT integration FROM accounts WHERE id = $5::uuid) AS agent_integration
       FROM msg m JOIN accounts s ON s.id = m.sender_id`,
    [m.id, m.rentalId, m.senderId, m.content, m.agentId],
  );
  return r.rows[0];
}

/**
 * Closes the transcript once (the workflow's end), under the row lock every store takes, unless
 * a `/v1/chat` holds the lease and `force` is false (the caller waits a little for its reply);
 * from the first call on, no new chat starts. `closedAt` null and `found` true: not closed yet,
 * a chat is in flight.
 */
export async function closeTranscript(
  db: Queryable,
  rentalId: string,
  force: boolean,
): Promise<{ closedAt: Date | null; found: boolean }> {
  const r = await db.query<{ closed_at: Date | null; found: boolean }>(
    `WITH closed AS (
       UPDATE rentals SET transcript_closing = true,
              transcript_closed_at = CASE WHEN transcript_closed_at IS NOT NULL THEN transcript_closed_at
                                          WHEN $2 OR ${LEASE_FREE} THEN clock_timestamp() END
        WHERE id = $1
        RETURNING transcript_closed_at)
     SELECT (SELECT transcript_closed_at FROM closed) AS closed_at,
            EXISTS (SELECT 1 FROM rentals WHERE id = $1) AS found`,
    [rentalId, force],
  );
  return { closedAt: r.rows[0].closed_at, found: r.rows[0].found };
}

/**
 * The silence guard's question (issue 25.4): the renter's oldest message after the agent's last
 * one (or since the start), with its age by the database clock — the clock that stored it, so the
 * age holds whichever process wrote it (the API's `/v1/chat` or the workflow). undefined: every
 * renter message has an agent message after it.
 */
export async function oldestUnansweredMessage(
  db: Queryable,
  q: { rentalId: string; renterId: string; agentId: string },
): Promise<{ seq: number; ageMs: number } | undefined> {
  const r = await db.query<{ seq: number; age_ms: number }>(
    `SELECT m.seq, (extract(epoch FROM clock_timestamp() - m.created_at) * 1000)::float8 AS age_ms
       FROM rental_messages m
      WHERE m.rental_id = $1 AND m.sender_id = $2
        AND m.seq > coalesce((SELECT max(a.seq) FROM rental_messages a
                               WHERE a.rental_id = $1 AND a.sender_id = $3), 0)
      ORDER BY m.seq LIMIT 1`,
    [q.rentalId, q.renterId, q.agentId],
  );
  const row = r.rows[0];
  return row && { seq: row.seq, ageMs: Math.floor(Number(row.age_ms)) };
}
