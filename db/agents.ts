/**
 * The "Rental Ready" badge, recomputed on every read: the agent has a webhook, or it has answered
 * at least one rental message in under 5 minutes (a message by the bot in one of its rentals,
 * posted within 5 minutes after a message by someone else in that rental).
 */
import { type KeysetAfter, keyTime } from './keyset';
import { containsPattern, type Queryable } from './pool';
import { ratingAverageSql, ratingJoinSql } from './ratings';

let transcriptsExist = false;

/** The rentals area creates rentals / rental_messages later; until then only webhooks count. */
async function haveTranscripts(db: Queryable): Promise<boolean> {
  if (transcriptsExist) return true;
  const r = await db.query<{ ok: boolean }>(
    `SELECT to_regclass('rental_messages') IS NOT NULL AND to_regclass('rentals') IS NOT NULL AS ok`,
  );
  // Only a positive answer is cached: tables appear with a migration, they do not go away.
  transcriptsExist = r.rows[0].ok;
  return transcriptsExist;
}

/**
 * A boolean SQL expression over an `accounts` row aliased `alias` (alias is a trusted identifier
 * from our own code, never user input).
 */
export async function rentalReadySql(db: Queryable, alias: string): Promise<string> {
  const webhook = `(${alias}.webhook_url IS NOT NULL)`;
  if (!(await haveTranscripts(db))) return webhook;
  return `(${webhook} OR EXISTS (
    SELECT 1 FROM rentals rr
      JOIN rental_messages reply ON reply.rental_id = rr.id AND reply.sender_id = ${alias}.id
     WHERE rr.agent_id = ${alias}.id
       AND EXISTS (SELECT 1 FROM rental_messages asked
                    WHERE asked.rental_id = rr.id AND asked.sender_id <> ${alias}.id
                      AND asked.created_at <= reply.created_at
                      AND reply.created_at < asked.created_at + interval '5 minutes')))`;
}

export async function isRentalReady(db: Queryable, agentId: string): Promise<boolean> {
  const r = await db.query<{ ready: boolean }>(
    `SELECT ${await rentalReadySql(db, 'a')} AS ready FROM accounts a WHERE a.id = $1`,
    [agentId],
  );
  return r.rows[0]?.ready ?? false;
}

/** An agent's row as the marketplace and its profile show it. */
export interface AgentRow {
  id: string;
  name: string;
  description: string | null;
  price_per_minute: number | null;
  owner_id: string | null;
  owner_name: string | null;
  integration: 'events' | 'proxy' | null;
  webhook_url: string | null;
  webhook_token: string | null;
  health_ok: boolean | null;
  health_checked_at: Date | null;
  health_detail: string | null;
  rental_ready: boolean;
  created_at: Date;
  rating_sum: number;
  rating_count: number;
  rating_average: string | null;
}

/** The columns of AgentRow, as the inner SELECT of `selectAgents` names them. */
const AGENT_COLUMNS = `id, name, description, price_per_minute, owner_id, owner_name, integration, webhook_url,
  webhook_token, health_ok, health_checked_at, health_detail, rental_ready, created_at, rating_sum, rating_count,
  rating_average`;

async function selectAgents(
  db: Queryable,
  where: string,
  tail: string,
  params: unknown[],
  sortKey = 'null',
  sortKey2 = 'null',
) {
  const ready = await rentalReadySql(db, 'a');
  return db.query<AgentRow & { sort_key: string; sort_key2: string | null }>(
    `SELECT ${AGENT_COLUMNS}, ${sortKey} AS sort_key, ${sortKey2} AS sort_key2 FROM (
       SELECT a.id, coalesce(a.display_name, a.username, 'agent') AS name, a.description, a.price_per_minute,
              a.owner_id, coalesce(o.display_name, o.username) AS owner_name, a.integration,
              a.webhook_url, a.webhook_token, a.health_ok, a.health_checked_at, a.health_detail,
              ${ready} AS rental_ready, a.created_at,
              a_rt.rating_sum, a_rt.rating_count, ${ratingAverageSql('a')} AS rating_average
         FROM accounts a LEFT JOIN accounts o ON o.id = a.owner_id
         ${ratingJoinSql('a')}
        WHERE a.kind = 'bot' AND ${where}) agents
     ${tail}`,
    params,
  );
}

/**
 * Each sort as a keyset order: a sort key (prices without one last, via a sentinel) and the id
 * as tie-break, both in the sort's direction, so a cursor names one place in the order.
 */
const NO_PRICE_LAST = Number.MAX_SAFE_INTEGER;
const SORTS: Record<AgentFilter['sort'], { key: string; key2?: string; desc: boolean }> = {
  newest: { key: keyTime('created_at'), desc: true },
  price: { key: `coalesce(price_per_minute, ${NO_PRICE_LAST})`, desc: false },
  price_asc: { key: `coalesce(price_per_minute, ${NO_PRICE_LAST})`, desc: false },
  price_desc: { key: 'coalesce(price_per_minute, -1)', desc: true },
  // Best rated first (the 2-decimal average in hundredths; unrated agents last as -1), ties by
  // more ratings, then id.
  rating: { key: 'coalesce((rating_average * 100)::bigint, -1)', key2: 'rating_count', desc: true },
};

export const agentById = (db: Queryable, id: string) => selectAgents(db, 'a.id = $1', '', [id]);

/** The marketplace query (GET /api/agents); `q` is the validated query string. */
export interface AgentFilter {
  q?: string;
  min_price?: number;
  max_price?: number;
  rental_ready?: 'true' | 'false';
  sort: 'newest' | 'price' | 'price_asc' | 'price_desc' | 'rating';
  limit: number;
  offset: number;
}

/**
 * One keyset page of the marketplace in the order of `q.sort`: rows strictly after `after` (the
 * last row's `[sort_key, id]`: key text of created_at for `newest`, the price key for the price
 * sorts; `[sort_key, sort_key2, id]` for `rating`: the average key and the rating count),
 * `take` rows after skipping `q.offset`. Each row carries its `sort_key` for the next cursor.
 */
export async function listAgentRows(db: Queryable, q: AgentFilter, after: KeysetAfter, take: number) {
  const sort = SORTS[q.sort];
  const params: unknown[] = [];
  const where = ['true'];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (q.q) {
    const like = param(containsPattern(q.q));
    where.push(
      `(coalesce(a.display_name, a.username, '') ILIKE ${like} OR coalesce(a.description, '') ILIKE ${like})`,
    );
  }
  if (q.min_price !== undefined) where.push(`a.price_per_minute >= ${param(q.min_price)}`);
  if (q.max_price !== undefined) where.push(`a.price_per_minute <= ${param(q.max_price)}`);
  const outer = ['true'];
  if (q.rental_ready !== undefined) outer.push(`rental_ready = ${param(q.rental_ready === 'true')}`);
  // The sort key is compared as its own type: a timestamp's key text is cast back to one.
  const keyExpr = q.sort === 'newest' ? 'created_at' : sort.key;
  const cast = q.sort === 'newest' ? '::timestamptz' : '::bigint';
  const keys = sort.key2 ? [keyExpr, sort.key2, 'id'] : [keyExpr, 'id'];
  const casts = sort.key2 ? [cast, '::bigint', '::uuid'] : [cast, '::uuid'];
  if (after)
    outer.push(
      `(${keys.join(', ')}) ${sort.desc ? '<' : '>'} (${casts.map((c, i) => `${param(after[i])}${c}`).join(', ')})`,
    );
  const dir = sort.desc ? 'DESC' : 'ASC';
  const tail = `WHERE ${outer.join(' AND ')} ORDER BY ${keys.map((k) => `${k} ${dir}`).join(', ')}
    LIMIT ${param(take)} OFFSET ${param(q.offset)}`;
  return selectAgents(db, where.join(' AND '), tail, params, sort.key, sort.key2);
}

export const agentProfileOf = (db: Queryable, accountId: string) =>
  db.query<{ webhook_url: string | null; integration: string | null }>(
    'SELECT webhook_url, integration FROM accounts WHERE id = $1',
    [accountId],
  );

export interface AgentProfileUpdate {
  name: unknown;
  descriptionGiven: boolean;
  description: unknown;
  pricePerMinute: unknown;
  webhookUrl: string | null;
  webhookTokenGiven: boolean;
  webhookToken: unknown;
  integration: string | null;
}

export const updateAgentProfile = (db: Queryable, accountId: string, u: AgentProfileUpdate) =>
  db.query(
    `UPDATE accounts SET
       display_name     = coalesce($2, display_name),
       description      = CASE WHEN $3 THEN $4 ELSE description END,
       price_per_minute = coalesce($5, price_per_minute),
       webhook_url      = $6,
       webhook_token    = CASE WHEN $7 THEN $8 ELSE webhook_token END,
       integration      = $9
     WHERE id = $1`,
    [
      accountId,
      u.name,
      u.descriptionGiven,
      u.description,
      u.pricePerMinute,
      u.webhookUrl,
      u.webhookTokenGiven,
      u.webhookToken,
      u.integration,
    ],
  );

export const agentCardOf = (db: Queryable, agentId: string) =>
  db.query<{ display_name: string | null; description: string | null }>(
    'SELECT display_name, description FROM accounts WHERE id = $1',
    [agentId],
  );

export const botsToHealthCheck = (db: Queryable, afterId: string | null, limit: number) =>
  db.query<{ id: string; webhook_url: string; webhook_token: string | null }>(
    `SELECT id, webhook_url, webhook_token FROM accounts
        WHERE kind = 'bot' AND integration = 'proxy' AND webhook_url IS NOT NULL
          AND ($1::uuid IS NULL OR id > $1::uuid)
        ORDER BY id LIMIT $2`,
    [afterId, limit],
  );

export const agentEndpointOf = (db: Queryable, agentId: string) =>
  db.query<{
    name: string | null;
    webhook_url: string | null;
    webhook_token: string | null;
  }>(
    'SELECT coalesce(display_name, username) AS name, webhook_url, webhook_token FROM accounts WHERE id = $1',
    [agentId],
  );

export const agentContactOf = (db: Queryable, agentId: string) =>
  db.query<{
    name: string | null;
    username: string | null;
    integration: 'events' | 'proxy' | null;
    webhook_url: string | null;
    webhook_token: string | null;
  }>(
    'SELECT display_name AS name, username, integration, webhook_url, webhook_token FROM accounts WHERE id = $1',
    [agentId],
  );
