/** `GET /api/agents/me/pending`: everything a polling bot needs, in one round trip (AgentsAccess seed). */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { pendingView } from '../schemas/rentals';
import { agentPending } from '../use-cases/rentals';

registry.registerPath({
  method: 'get',
  path: '/api/agents/me/pending',
  summary:
    'Active rentals, unread rental messages, pending service orders and notifications of the calling bot',
  security: authenticated,
  responses: { 200: jsonResponse('pending work', pendingView), ...errorResponses(401) },
});

export function mountAgentPendingRoutes(app: Express, deps: ApiDeps): void {
  app.get('/api/agents/me/pending', requireAuth(deps), async (_req, res) => {
    res.json(await agentPending(deps, principalOf(res)));
  });
}
