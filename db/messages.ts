/** Direct messages store (issue 17.2): the direct_messages table of 8750_social.sql. */
import type { Queryable } from './pool';
import type { Relationship } from '../domain/message-permissions';

export interface DirectMessageRow {
  seq: string;
  id: string;
  sender_id: string;
  recipient_id: string;
  rental_id: string | null;
  content: string;
  created_at: Date;
}

/** The columns of DirectMessageRow. */
const MESSAGE_COLUMNS = 'seq, id, sender_id, recipient_id, rental_id, content, created_at';

export interface NewDirectMessage {
  id: string;
  senderId: string;
  recipientId: string;
  rentalId: string | null;
  content: string;
}

/** Inserts once per id (a retried create returns the stored row). */
export async function insertDirectMessage(db: Queryable, m: NewDirectMessage): Promise<DirectMessageRow> {
  const r = await db.query<DirectMessageRow>(
    `WITH ins AS (
       INSERT INTO direct_messages (id, sender_id, recipient_id, rental_id, content)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING ${MESSAGE_COLUMNS})
     SELECT ${MESSAGE_COLUMNS} FROM ins
     UNION ALL
     SELECT ${MESSAGE_COLUMNS} FROM direct_messages WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [m.id, m.senderId, m.recipientId, m.rentalId, m.content],
  );
  return r.rows[0];
}

/**
 * One page of the conversation between `a` and `b`, newest first: rows with seq below `beforeSeq`
 * (all when absent), `limit + 1` of them so the caller knows whether there is more.
 */
export async function conversationPage(
  db: Queryable,
  a: string,
  b: string,
  limit: number,
  beforeSeq?: string,
): Promise<DirectMessageRow[]> {
  const r = await db.query<DirectMessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM direct_messages
      WHERE LEAST(sender_id, recipient_id) = LEAST($1::uuid, $2::uuid)
        AND GREATEST(sender_id, recipient_id) = GREATEST($1::uuid, $2::uuid)
        AND ($3::bigint IS NULL OR seq < $3::bigint)
      ORDER BY seq DESC LIMIT $4`,
    [a, b, beforeSeq ?? null, limit + 1],
  );
  return r.rows;
}

export async function accountExists(
  db: Queryable,
  id: string,
): Promise<{ username: string | null } | undefined> {
  const r = await db.query<{ username: string | null }>(
    'SELECT coalesce(display_name, username) AS username FROM accounts WHERE id = $1',
    [id],
  );
  return r.rows[0];
}

/** The rentals and tasks in which both accounts take part, for domain/message-permissions.ts. */
export async function relationshipOf(db: Queryable, a: string, b: string): Promise<Relationship> {
  const rentals = await db.query<{ id: string; renter_id: string; agent_id: string; owner_id: string }>(
    `SELECT id, renter_id, agent_id, owner_id FROM rentals
      WHERE (renter_id = $1 AND (agent_id = $2 OR owner_id = $2))
         OR (renter_id = $2 AND (agent_id = $1 OR owner_id = $1))
      ORDER BY created_at DESC LIMIT 100`,
    [a, b],
  );
  const tasks = await db.query<{ id: string; creator_id: string; worker_id: string }>(
    `SELECT t.id, t.creator_id, x.worker_id FROM tasks t JOIN task_acceptances x ON x.task_id = t.id
      WHERE (t.creator_id = $1 AND x.worker_id = $2) OR (t.creator_id = $2 AND x.worker_id = $1)
      LIMIT 1`,
    [a, b],
  );
  return {
    rentals: rentals.rows.map((r) => ({
      id: r.id,
      renterId: r.renter_id,
      agentId: r.agent_id,
      ownerId: r.owner_id,
    })),
    tasks: tasks.rows.map((t) => ({ id: t.id, creatorId: t.creator_id, workerId: t.worker_id })),
  };
}

/** Whether `rentalId` is among the rentals linking the pair (checked separately: the list above is capped). */
export async function sharedRentalById(
  db: Queryable,
  rentalId: string,
): Promise<{ id: string; renterId: string; agentId: string; ownerId: string } | undefined> {
  const r = await db.query<{ id: string; renter_id: string; agent_id: string; owner_id: string }>(
    'SELECT id, renter_id, agent_id, owner_id FROM rentals WHERE id = $1',
    [rentalId],
  );
  const row = r.rows[0];
  return row && { id: row.id, renterId: row.renter_id, agentId: row.agent_id, ownerId: row.owner_id };
}

export interface DmBlockRow {
  blocker_id: string;
  blocked_id: string;
  created_at: Date;
}

/** Blocks `blockedId` from messaging `blockerId`; idempotent (the first block's time is kept). */
export async function insertDmBlock(
  db: Queryable,
  blockerId: string,
  blockedId: string,
): Promise<DmBlockRow> {
  const r = await db.query<DmBlockRow>(
    `WITH ins AS (
       INSERT INTO dm_blocks (blocker_id, blocked_id) VALUES ($1, $2)
       ON CONFLICT (blocker_id, blocked_id) DO NOTHING RETURNING blocker_id, blocked_id, created_at)
     SELECT blocker_id, blocked_id, created_at FROM ins
     UNION ALL
     SELECT blocker_id, blocked_id, created_at FROM dm_blocks
      WHERE blocker_id = $1 AND blocked_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [blockerId, blockedId],
  );
  return r.rows[0];
}

/** Lifts a block; false when there was none. */
export async function deleteDmBlock(db: Queryable, blockerId: string, blockedId: string): Promise<boolean> {
  const r = await db.query('DELETE FROM dm_blocks WHERE blocker_id = $1 AND blocked_id = $2', [
    blockerId,
    blockedId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** Whether `recipientId` has blocked `senderId`. */
export async function isDmBlocked(db: Queryable, recipientId: string, senderId: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM dm_blocks WHERE blocker_id = $1 AND blocked_id = $2', [
    recipientId,
    senderId,
  ]);
  return (r.rowCount ?? 0) > 0;
}
