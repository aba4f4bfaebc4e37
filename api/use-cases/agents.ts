/** Agent profiles and the marketplace listing. */
import type { z } from 'zod';
import { containsPattern } from '../../domain/db';
import { AppError, appError, ErrorCode, notFound } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { assertPublicUrl } from '../../domain/network-policy';
import { rentalReadySql } from '../../domain/rental-ready';
import { ratingSummary } from '../../domain/rating-permissions';
import { ratingAverageSql, ratingJoinSql } from '../../db/ratings';
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
  rating_sum: number;
  rating_count: number;
  rating_average: string | null;
}

async function selectAgents(deps: Deps, where: string, tail: string, params: unknown[]) {
  const ready = await rentalReadySql(deps.db, 'a');
  return deps.db.query<AgentRow>(
    `SELECT * FROM (
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
  rating: ratingSummary(a.rating_sum, a.rating_count),
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
  if (!principal.isBot) throw appError('bots_have_profiles');
  const r = await selectAgents(deps, 'a.id = $1', '', [principal.accountId]);
  if (!r.rows[0]) throw notFound('agent');
  return ownView(r.rows[0]);
}

const SORTS: Record<AgentsQuery['sort'], string> = {
  newest: 'created_at DESC, id',
  price: 'price_per_minute ASC NULLS LAST, id',
  price_asc: 'price_per_minute ASC NULLS LAST, id',
  price_desc: 'price_per_minute DESC NULLS LAST, id',
  // Best rated first; ties by more ratings, then id. Unrated agents last.
  rating: 'rating_average DESC NULLS LAST, rating_count DESC, id',
};

export async function listAgents(deps: Deps, q: AgentsQuery): Promise<{ agents: AgentView[] }> {
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
  const ready =
    q.rental_ready === undefined ? '' : `WHERE rental_ready = ${param(q.rental_ready === 'true')}`;
  const tail = `${ready} ORDER BY ${SORTS[q.sort]} LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}`;
  const r = await selectAgents(deps, where.join(' AND '), tail, params);
  return { agents: r.rows.map(publicView) };
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
  if (!principal.isBot) throw appError('bots_have_profiles');
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
