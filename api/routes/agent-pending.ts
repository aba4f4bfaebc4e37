/** `GET /api/agents/me/pending`: everything a polling bot needs, in one round trip (AgentsAccess seed). */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { pendingView } from '../schemas/rentals';
import { agentPending } from '../use-cases/rentals';
import { pendingQuery } from '../schemas/account-events';
import { parseOrThrow } from '../validation';

registry.registerPath({
  method: 'get',
  path: '/api/agents/me/pending',
  summary:
    'Active rentals, unread rental messages, pending service orders and notifications of the calling bot',
  security: authenticated,
  request: { query: pendingQuery },
  responses: { 200: jsonResponse('pending work', pendingView), ...errorResponses(400, 401) },
});

export function mountAgentPendingRoutes(app: Express, deps: ApiDeps): void {
  app.get('/api/agents/me/pending', requireAuth(deps), async (req, res) => {
    const { after } = parseOrThrow(pendingQuery, req.query, 'query');
    res.json(await agentPending(deps, principalOf(res), after));
  });
}
