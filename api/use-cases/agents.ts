/** Agent profiles and the marketplace listing. */
import type { z } from 'zod';
import { containsPattern } from '../../domain/db';
import { AppError, ErrorCode, forbidden, notFound } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { keyTime } from '../../db/keyset';
import { assertPublicUrl } from '../../domain/network-policy';
import { rentalReadySql } from '../../domain/rental-ready';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { agentProfileInput, AgentsQuery, AgentView, OwnAgentView } from '../schemas/agents';

type Deps = Pick<ApiDeps, 'db' | 'config'>;

interface AgentRow {
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
}

async function selectAgents(deps: Deps, where: string, tail: string, params: unknown[], sortKey = 'null') {
  const ready = await rentalReadySql(deps.db, 'a');
  return deps.db.query<AgentRow & { sort_key: string }>(
    `SELECT *, ${sortKey} AS sort_key FROM (
       SELECT a.id, coalesce(a.display_name, a.username, 'agent') AS name, a.description, a.price_per_minute,
              a.owner_id, coalesce(o.display_name, o.username) AS owner_name, a.integration,
              a.webhook_url, a.webhook_token, a.health_ok, a.health_checked_at, a.health_detail,
              ${ready} AS rental_ready, a.created_at
         FROM accounts a LEFT JOIN accounts o ON o.id = a.owner_id
        WHERE a.kind = 'bot' AND ${where}) agents
     ${tail}`,
    params,
  );
}

const publicView = (a: AgentRow): AgentView => ({
  id: a.id,
  name: a.name,
  description: a.description,
  price_per_minute: a.price_per_minute === null ? null : fromMicro(a.price_per_minute),
  owner: a.owner_id ? { id: a.owner_id, name: a.owner_name ?? 'anonymous' } : null,
  integration: a.integration,
  rental_ready: a.rental_ready,
  health:
    a.health_ok === null || !a.health_checked_at
      ? null
      : { ok: a.health_ok, checked_at: a.health_checked_at.toISOString(), detail: a.health_detail },
  created_at: a.created_at.toISOString(),
});

const ownView = (a: AgentRow): OwnAgentView => ({
  ...publicView(a),
  webhook_url: a.webhook_url,
  webhook_token_set: a.webhook_token !== null,
});

export async function getAgent(deps: Deps, id: string): Promise<AgentView> {
  const r = await selectAgents(deps, 'a.id = $1', '', [id]);
  if (!r.rows[0]) throw notFound('agent');
  return publicView(r.rows[0]);
}

export async function getOwnProfile(deps: Deps, principal: Principal): Promise<OwnAgentView> {
  if (!principal.isBot) throw forbidden('only agents (bot accounts) have a profile');
  const r = await selectAgents(deps, 'a.id = $1', '', [principal.accountId]);
  if (!r.rows[0]) throw notFound('agent');
  return ownView(r.rows[0]);
}

/**
 * Each sort as a keyset order: a sort key (prices without one last, via a sentinel) and the id
 * as tie-break, both in the sort's direction, so a cursor names one place in the order.
 */
const NO_PRICE_LAST = Number.MAX_SAFE_INTEGER;
const SORTS: Record<AgentsQuery['sort'], { key: string; desc: boolean }> = {
  newest: { key: keyTime('created_at'), desc: true },
  price: { key: `coalesce(price_per_minute, ${NO_PRICE_LAST})`, desc: false },
  price_asc: { key: `coalesce(price_per_minute, ${NO_PRICE_LAST})`, desc: false },
  price_desc: { key: 'coalesce(price_per_minute, -1)', desc: true },
};

export async function listAgents(
  deps: Deps,
  q: AgentsQuery,
): Promise<{ agents: AgentView[]; next_cursor: string | null; has_more: boolean }> {
  const sort = SORTS[q.sort];
  const list = `agents:${q.sort}`;
  const shape = q.sort === 'newest' ? (['string', 'string'] as const) : (['number', 'string'] as const);
  const after = afterKey(list, shape, q.cursor);
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
  if (after)
    outer.push(
      `(${keyExpr}, id) ${sort.desc ? '<' : '>'} (${param(after[0])}${cast}, ${param(after[1])}::uuid)`,
    );
  const dir = sort.desc ? 'DESC' : 'ASC';
  const tail = `WHERE ${outer.join(' AND ')} ORDER BY ${keyExpr} ${dir}, id ${dir}
    LIMIT ${param(q.limit + 1)} OFFSET ${param(q.offset)}`;
  const r = await selectAgents(deps, where.join(' AND '), tail, params, sort.key);
  const page = toPage(r.rows, q.limit, list, (a) =>
    q.sort === 'newest' ? [a.sort_key, a.id] : [Number(a.sort_key), a.id],
  );
  return { agents: page.items.map(publicView), next_cursor: page.next_cursor, has_more: page.has_more };
}

/**
 * Bots edit their own profile. A webhook must be http(s) and public (unless ALLOW_PRIVATE_WEBHOOKS);
 * `integration` needs a webhook, and removing the webhook falls back to polling.
 */
export async function updateProfile(
  deps: Deps,
  principal: Principal,
  input: z.infer<typeof agentProfileInput>,
): Promise<OwnAgentView> {
  if (!principal.isBot) throw forbidden('only agents (bot accounts) have a profile');
  if (input.webhook_url)
    await assertPublicUrl(input.webhook_url, deps.config.ALLOW_PRIVATE_WEBHOOKS, 'webhook_url');
  const current = await deps.db.query<{ webhook_url: string | null; integration: string | null }>(
    'SELECT webhook_url, integration FROM accounts WHERE id = $1',
    [principal.accountId],
  );
  if (!current.rows[0]) throw notFound('agent');
  const webhookUrl = input.webhook_url === undefined ? current.rows[0].webhook_url : input.webhook_url;
  let integration = input.integration === undefined ? current.rows[0].integration : input.integration;
  if (webhookUrl === null) {
    if (input.integration) throw new AppError(ErrorCode.Validation, 'integration: needs a webhook_url');
    integration = null;
  } else if (integration === null) {
    integration = 'events'; // a webhook without a stated integration receives pushed events
  }
  const set = (v: unknown) => (v === undefined ? null : v);
  await deps.db.query(
    `UPDATE accounts SET
       display_name     = coalesce($2, display_name),
       description      = CASE WHEN $3 THEN $4 ELSE description END,
       price_per_minute = coalesce($5, price_per_minute),
       webhook_url      = $6,
       webhook_token    = CASE WHEN $7 THEN $8 ELSE webhook_token END,
       integration      = $9
     WHERE id = $1`,
    [
      principal.accountId,
      set(input.name),
      input.description !== undefined,
      set(input.description),
      set(input.price_per_minute),
      webhookUrl,
      input.webhook_token !== undefined,
      set(input.webhook_token),
      integration,
    ],
  );
  return getOwnProfile(deps, principal);
}
