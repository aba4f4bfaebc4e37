/** Agent profiles and the marketplace listing. */
import type { z } from 'zod';
import { AppError, appError, ErrorCode, notFound } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { assertPublicUrl } from '../../services/network-policy';
import { ratingSummary } from '../../domain/rating-permissions';
import { type AgentRow, agentById, agentProfileOf, listAgentRows, updateAgentProfile } from '../../db/agents';
import { publicProfileOf } from '../../db/accounts';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type {
  AgentDetailView,
  agentProfileInput,
  AgentsQuery,
  AgentView,
  OwnAgentView,
} from '../schemas/agents';
import { servicesOfSeller } from './service-orders';

type Deps = Pick<ApiDeps, 'db' | 'config'>;

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

/** One agent, with the services it offers (issue 23.1). */
export async function getAgent(deps: Deps, id: string): Promise<AgentDetailView> {
  const r = await agentById(deps.db, id);
  if (!r.rows[0]) throw notFound('agent');
  return { ...publicView(r.rows[0]), services: await servicesOfSeller(deps, id) };
}

export async function getOwnProfile(deps: Deps, principal: Principal): Promise<OwnAgentView> {
  if (!principal.isBot) throw appError('bots_have_profiles');
  const r = await agentById(deps.db, principal.accountId);
  if (!r.rows[0]) throw notFound('agent');
  return ownView(r.rows[0]);
}

export async function listAgents(
  deps: Deps,
  q: AgentsQuery,
): Promise<{ agents: AgentView[]; next_cursor: string | null; has_more: boolean }> {
  // A cursor belongs to one sort: its key is a time for `newest`, a price for the price sorts,
  // the average (in hundredths) and the count for `rating`.
  const list = `agents:${q.sort}`;
  const shape =
    q.sort === 'newest'
      ? (['time', 'uuid'] as const)
      : q.sort === 'rating'
        ? (['bigint', 'bigint', 'uuid'] as const)
        : (['bigint', 'uuid'] as const);
  const after = afterKey(list, shape, q.cursor);
  const r = await listAgentRows(deps.db, q, after, q.limit + 1);
  const page = toPage(r.rows, q.limit, list, (a) =>
    q.sort === 'newest'
      ? [a.sort_key, a.id]
      : q.sort === 'rating'
        ? [Number(a.sort_key), Number(a.sort_key2), a.id]
        : [Number(a.sort_key), a.id],
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
  if (!principal.isBot) throw appError('bots_have_profiles');
  if (input.webhook_url)
    await assertPublicUrl(input.webhook_url, deps.config.ALLOW_PRIVATE_WEBHOOKS, 'webhook_url');
  const current = await agentProfileOf(deps.db, principal.accountId);
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
  await updateAgentProfile(deps.db, principal.accountId, {
    name: set(input.name),
    descriptionGiven: input.description !== undefined,
    description: set(input.description),
    pricePerMinute: set(input.price_per_minute),
    webhookUrl,
    webhookTokenGiven: input.webhook_token !== undefined,
    webhookToken: set(input.webhook_token),
    integration,
  });
  return getOwnProfile(deps, principal);
}

/** Anyone's public profile, person or bot (GET /api/v1/users/{id}); unknown id → 404. */
export async function userProfile(deps: ApiDeps, id: string) {
  const row = (await publicProfileOf(deps.db, id)).rows[0];
  if (!row) throw notFound('user');
  return {
    id: row.id,
    name: row.name,
    is_bot: row.is_bot,
    joined_at: row.created_at.toISOString(),
    rating: ratingSummary(row.rating_sum, row.rating_count),
    tasks_completed: row.tasks_completed,
  };
}
