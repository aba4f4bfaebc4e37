/**
 * SQL for the rental read models, shared by the API (reads, the first insert) and the rental
 * activities (every later write). Writes are idempotent: a retried activity changes nothing twice.
 */
import type { NewNotification } from '../domain/rental-notifications';
import type {
  ChatMessageRow,
  ClaimedRelay,
  NewRental,
  RentalMessageRow,
  RentalRow,
  RentalStateUpdate,
  RentalStatus,
} from '../domain/rental-store';
import { type KeysetAfter, keyTime } from './keyset';
import { insertNotificationsSql } from './notifications';
import type { Queryable } from './pool';

export type * from '../domain/rental-store';

/** The rentals columns of `RentalRow` (the two names joined from accounts come after them). */
const RENTAL_TABLE_COLUMNS = [
  'id',
  'code',
  'agent_id',
  'renter_id',
  'owner_id',
  'status',
  'channel',
  'minutes',
  'price_per_minute',
  'starts_at',
  'ends_at',
  'ended_at',
  'ended_by',
  'settled',
  'billed_minutes',
  'owner_gross',
  'refund',
  'max_silence_minutes',
  'ended_reason',
  'unavailable_minutes',
] as const satisfies readonly (keyof RentalRow)[];
const rentalColumns = (alias: string) => RENTAL_TABLE_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

const ROW_SELECT = `SELECT ${rentalColumns('r')}, a.display_name AS agent_name, coalesce(u.username, u.display_name) AS renter_username
  FROM rentals r JOIN accounts a ON a.id = r.agent_id JOIN accounts u ON u.id = r.renter_id`;

/** Query parameters $1–$10 of a new rentals row, in the column order both inserts use. */
const rentalRowParams = (r: NewRental) => [
  r.id,
  r.code,
  r.agentId,
  r.renterId,
  r.ownerId,
  r.channel,
  r.minutes,
  r.pricePerMinute,
  r.startsAtMs,
  r.endsAtMs,
];

/** Creates the row once (status active); a repeat is a no-op. */
export async function insertRental(db: Queryable, r: NewRental): Promise<void> {
  await db.query(
    `INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, channel, minutes, price_per_minute, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0))
     ON CONFLICT (id) DO NOTHING`,
    rentalRowParams(r),
  );
}

export async function rentalById(db: Queryable, id: string): Promise<RentalRow | undefined> {
  const r = await db.query<RentalRow>(`${ROW_SELECT} WHERE r.id = $1`, [id]);
  return r.rows[0];
}

/** Up to two rentals whose dashless id starts with `hexPrefix` (hex only: no LIKE escaping needed). */
export async function rentalsByHexPrefix(db: Queryable, hexPrefix: string): Promise<RentalRow[]> {
  const r = await db.query<RentalRow>(
    `${ROW_SELECT} WHERE replace(r.id::text, '-', '') LIKE $1 || '%' LIMIT 2`,
    [hexPrefix],
  );
  return r.rows;
}

/**
 * Rentals an account takes part in, as renter, bot or owner; newest first by (starts_at, id), a
 * keyset page: rows strictly after `after` (`[starts_at as key text, id]`), at most `take`.
 */
export async function rentalsOf(
  db: Queryable,
  accountId: string,
  opts: { status?: RentalStatus; after: KeysetAfter; take: number },
): Promise<(RentalRow & { key_time: string })[]> {
  const [afterTime, afterId] = opts.after ?? [null, null];
  const r = await db.query<RentalRow & { key_time: string }>(
    `SELECT ${rentalColumns('x')}, x.agent_name, x.renter_username, ${keyTime('x.starts_at')} AS key_time FROM (${ROW_SELECT}
      WHERE (r.renter_id = $1 OR r.agent_id = $1 OR r.owner_id = $1)
        AND ($2::text IS NULL OR r.status = $2)
        AND ($3::timestamptz IS NULL OR (r.starts_at, r.id) < ($3::timestamptz, $4::uuid))) x
     ORDER BY x.starts_at DESC, x.id DESC LIMIT $5`,
    [accountId, opts.status ?? null, afterTime, afterId, opts.take],
  );
  return r.rows;
}

export async function updateRentalState(db: Queryable, u: RentalStateUpdate): Promise<void> {
  await db.query(
    `UPDATE rentals SET revision = $2, status = $3, minutes = $4, ends_at = to_timestamp($5 / 1000.0),
            ended_at = coalesce(to_timestamp($6 / 1000.0), ended_at), ended_by = coalesce($7, ended_by),
            settled = settled OR $8, billed_minutes = coalesce($9, billed_minutes),
            owner_gross = coalesce($10, owner_gross), refund = coalesce($11, refund),
            ended_reason = coalesce($12, ended_reason),
            unavailable_minutes = coalesce($13::integer[], unavailable_minutes)
      WHERE id = $1 AND revision < $2`,
    [
      u.rentalId,
      u.revision,
      u.status,
      u.minutes,
      u.endsAtMs,
      u.ended?.endedAtMs ?? null,
      u.ended?.endedBy ?? null,
      u.ended !== undefined,
      u.ended?.billedMinutes ?? null,
      u.ended?.ownerGross ?? null,
      u.ended?.refund ?? null,
      u.ended?.reason ?? null,
      u.ended?.unavailableMinutes ?? null,
    ],
  );
}

const MESSAGE_SELECT = `SELECT m.id, m.rental_id, m.seq, m.sender_id, coalesce(s.username, s.display_name) AS sender_username,
       m.content, m.created_at
  FROM rental_messages m JOIN accounts s ON s.id = m.sender_id`;

/** Stores a message once per id and returns the stored row (the original one on a retry). */
export async function insertRentalMessage(
  db: Queryable,
  m: { id: string; rentalId: string; seq: number; senderId: string; content: string },
): Promise<RentalMessageRow> {
  const { agent_integration: _unused, ...row } = await insertChatMessage(db, { ...m, agentId: null });
  return row;
}

/**
 * A rental's transcript in order of `seq`: all of it, or a keyset page (rows after `afterSeq`,
 * at most `take`).
 */
export async function messagesOf(
  db: Queryable,
  rentalId: string,
  page?: { afterSeq: number | null; take: number },
): Promise<RentalMessageRow[]> {
  const r = await db.query<RentalMessageRow>(
    `${MESSAGE_SELECT} WHERE m.rental_id = $1 AND ($2::int IS NULL OR m.seq > $2)
      ORDER BY m.seq LIMIT $3`,
    [rentalId, page?.afterSeq ?? null, page?.take ?? null],
  );
  return r.rows;
}

/** One message of a rental's transcript by its id, if it was stored. */
export async function messageOf(
  db: Queryable,
  rentalId: string,
  messageId: string,
): Promise<RentalMessageRow | undefined> {
  const r = await db.query<RentalMessageRow>(`${MESSAGE_SELECT} WHERE m.rental_id = $1 AND m.id = $2`, [
    rentalId,
    messageId,
  ]);
  return r.rows[0];
}

/** Marks a rental's messages up to `seq` as handed to `accountId` (never moves backwards). */
export async function markRead(
  db: Queryable,
  rentalId: string,
  accountId: string,
  seq: number,
): Promise<void> {
  await db.query(
    `INSERT INTO rental_read_markers (rental_id, account_id, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (rental_id, account_id) DO UPDATE SET last_seq = greatest(rental_read_markers.last_seq, EXCLUDED.last_seq)`,
    [rentalId, accountId, seq],
  );
}

/** Messages in a bot's rentals that others sent and the bot has not been handed yet. */
export async function unreadForAgent(
  db: Queryable,
  agentId: string,
  limit: number,
): Promise<RentalMessageRow[]> {
  const r = await db.query<RentalMessageRow>(
    `${MESSAGE_SELECT}
       JOIN rentals r ON r.id = m.rental_id
       LEFT JOIN rental_read_markers k ON k.rental_id = m.rental_id AND k.account_id = $1
      WHERE r.agent_id = $1 AND m.sender_id <> $1 AND m.seq > coalesce(k.last_seq, 0)
      ORDER BY m.created_at, m.seq LIMIT $2`,
    [agentId, limit],
  );
  return r.rows;
}

/**
 * `insertRentalMessage` for a renter's `/v1/chat` message, in one round trip, also telling how the
 * agent takes messages now (read at each chat, so a profile edit applies at once).
 */
export async function insertChatMessage(
  db: Queryable,
  m: { id: string; rentalId: string; seq: number; senderId: string; content: string; agentId: string | null },
): Promise<ChatMessageRow> {
  // A CTE's insert is invisible to the same statement's reads, so a retry's existing row is the fallback.
  const r = await db.query<ChatMessageRow>(
    `WITH ins AS (
       INSERT INTO rental_messages (id, rental_id, seq, sender_id, content) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING id, rental_id, seq, sender_id, content, created_at),
     msg AS (
       SELECT id, rental_id, seq, sender_id, content, created_at FROM ins
       UNION ALL
       SELECT id, rental_id, seq, sender_id, content, created_at FROM rental_messages
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins))
     SELECT m.id, m.rental_id, m.seq, m.sender_id, coalesce(s.username, s.display_name) AS sender_username,
            m.content, m.created_at, (SELECT integration FROM accounts WHERE id = $6::uuid) AS agent_integration
       FROM msg m JOIN accounts s ON s.id = m.sender_id`,
    [m.id, m.rentalId, m.seq, m.senderId, m.content, m.agentId],
  );
  return r.rows[0];
}

/**
 * Claims the one relay of a chat message (an `idempotency_keys` row, scope `rentr.relay`, keyed by
 * the message id) and reads the agent's endpoint, in one round trip. The relay runs as a local
 * activity: a worker crash re-runs its workflow task, and this claim keeps the agent from seeing
 * the same message twice (Rentr: no retries).
 */
export async function claimRelay(
  db: Queryable,
  c: { renterId: string; messageId: string; agentId: string },
): Promise<ClaimedRelay> {
  const r = await db.query<ClaimedRelay>(
    `WITH claim AS (
       INSERT INTO idempotency_keys (account_id, scope, key, request_hash, state)
       VALUES ($1, 'rentr.relay', $2, '', 'done') ON CONFLICT DO NOTHING RETURNING key)
     SELECT EXISTS (SELECT 1 FROM claim) AS claimed, coalesce(a.display_name, a.username) AS name,
            a.webhook_url, a.webhook_token
       FROM (SELECT 1) one LEFT JOIN accounts a ON a.id = $3`,
    [c.renterId, c.messageId, c.agentId],
  );
  return r.rows[0];
}

/**
 * `insertRental` + `insertNotifications` + `rentalById` in one round trip (one transaction): the
 * row as stored, and whether this call created it (false on a retry, whose row keeps its first
 * start time and may have moved on). Notifications need stable ids, so a retry adds none.
 */
export async function insertRentalReturning(
  db: Queryable,
  r: NewRental,
  notifications: NewNotification[],
): Promise<{ row: RentalRow; created: boolean; agentPushesEvents: boolean }> {
  const res = await db.query<RentalRow & { created: boolean; agent_pushes: boolean }>(
    `WITH notes AS (${insertNotificationsSql(11)}),
     ins AS (
       INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, channel, minutes, price_per_minute, starts_at, ends_at,
                            max_silence_minutes)
       VALUES ($1, $2, $3, $4, $5, coalesce($12::text, 'active'), $6, $7, $8, to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0),
               $13::integer)
       ON CONFLICT (id) DO NOTHING RETURNING ${RENTAL_TABLE_COLUMNS.join(', ')}),
     cur AS (
       SELECT ${rentalColumns('ins')}, true AS created FROM ins
       UNION ALL
       SELECT ${rentalColumns('rentals')}, false AS created FROM rentals WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins))
     SELECT ${rentalColumns('r')}, r.created, a.display_name AS agent_name, coalesce(u.username, u.display_name) AS renter_username,
            (a.integration = 'events' AND a.webhook_url IS NOT NULL AND a.webhook_disabled_at IS NULL)
              IS TRUE AS agent_pushes
       FROM cur r JOIN accounts a ON a.id = r.agent_id JOIN accounts u ON u.id = r.renter_id`,
    [...rentalRowParams(r), JSON.stringify(notifications), r.status ?? null, r.maxSilenceMinutes ?? null],
  );
  // agent_pushes: as agentTakesPushedEvents reads it, so the start can route its first event.
  const { created, agent_pushes, ...row } = res.rows[0];
  return { row, created, agentPushesEvents: agent_pushes };
}

export const rentalQuoteOf = (db: Queryable, agentId: string, renterId: string) =>
  db.query<{
    id: string;
    kind: string;
    owner_id: string | null;
    price_per_minute: number | null;
    name: string;
    integration: 'events' | 'proxy' | null;
    webhook_url: string | null;
    renter_name: string | null;
    renter_capped: boolean | null;
  }>(
    `SELECT a.id, a.kind, a.owner_id, a.price_per_minute, coalesce(a.display_name, a.username, a.id::text) AS name,
            a.integration, a.webhook_url, u.name AS renter_name, u.capped AS renter_capped
       FROM accounts a
       LEFT JOIN (SELECT coalesce(username, display_name, id::text) AS name,
                         settings->>'max_hourly_spend_usd' IS NOT NULL AS capped
                    FROM accounts WHERE id = $2) u ON true
      WHERE a.id = $1`,
    [agentId, renterId],
  );

export const liveRentalsOfAgent = (db: Queryable, accountId: string) =>
  db.query<RentalRow>(
    `SELECT ${rentalColumns('r')}, NULL AS agent_name, coalesce(u.username, u.display_name) AS renter_username
       FROM rentals r JOIN accounts u ON u.id = r.renter_id
      WHERE r.agent_id = $1 AND r.status NOT IN ('ended', 'scheduled') ORDER BY r.starts_at`,
    [accountId],
  );

/**
 * The ledger journals of a rental (`reference = rental:<id>`: hold, extensions, settlement,
 * refund or cancel), oldest first, each with what it did to the rental's escrow (the renter's
 * `escrow` account, subject `rental:<id>`): the receipt shows that, not the owner's fee split.
 */
export async function rentalPostings(db: Queryable, rentalId: string) {
  const reference = `rental:${rentalId}`;
  const r = await db.query<{
    id: string;
    kind: string;
    idempotency_key: string;
    created_at: Date;
    escrow_change: number;
  }>(
    `SELECT j.id, j.kind, j.idempotency_key, j.created_at,
            coalesce(sum(e.amount) FILTER (WHERE la.purpose = 'escrow' AND la.subject = $1), 0)::bigint AS escrow_change
       FROM ledger_journals j
       JOIN ledger_entries e ON e.journal_id = j.id
       JOIN ledger_accounts la ON la.id = e.ledger_account_id
      WHERE j.reference = $1
      GROUP BY j.id
      ORDER BY j.created_at, j.id`,
    [reference],
  );
  return r.rows;
}
