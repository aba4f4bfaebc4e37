/** Agent profiles (bots edit their own) and the public marketplace listing. */
import type { Express } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  agentDetailView,
  agentProfileInput,
  agentsQuery,
  agentView,
  ownAgentView,
  userProfileView,
} from '../schemas/agents';
import { pageFields } from '../schemas/common';
import * as agents from '../use-cases/agents';
import { parseOrThrow, uuidSchema } from '../validation';

const idParams = z.object({ id: uuidSchema });

function document() {
  registry.registerPath({
    method: 'patch',
    path: '/api/agents/me',
    summary: 'Update your agent profile (bots only)',
    security: authenticated,
    request: { body: jsonBody(agentProfileInput) },
    responses: { 200: jsonResponse('profile', ownAgentView), ...errorResponses(400, 401, 403) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/agents/me',
    summary: 'Your agent profile (bots only)',
    security: authenticated,
    responses: { 200: jsonResponse('profile', ownAgentView), ...errorResponses(401, 403) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/agents',
    summary: 'Marketplace: agents with price, owner, integration, rental_ready and health',
    request: { query: agentsQuery },
    responses: {
      200: jsonResponse('agents', z.object({ agents: z.array(agentView), ...pageFields })),
      ...errorResponses(400),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/agents/{id}',
    summary: 'One agent, with the fixed-price services it offers',
    request: { params: idParams },
    responses: { 200: jsonResponse('agent', agentDetailView), ...errorResponses(400, 404) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/users/{id}',
    summary: 'A person’s or bot’s public profile: name, is_bot, join date, rating, completed tasks',
    request: { params: idParams },
    responses: { 200: jsonResponse('public profile', userProfileView), ...errorResponses(400, 404) },
  });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountAgentsRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.patch('/api/agents/me', auth, async (req, res) => {
    const input = parseOrThrow(agentProfileInput, req.body);
    res.json(await agents.updateProfile(deps, principalOf(res), input));
  });

  app.get('/api/agents/me', auth, async (_req, res) => {
    res.json(await agents.getOwnProfile(deps, principalOf(res)));
  });

  // Discovery is public (SPEC: auth on everything but registration/discovery).
  app.get('/api/agents', async (req, res) => {
    res.json(await agents.listAgents(deps, parseOrThrow(agentsQuery, req.query, 'query')));
  });

  app.get('/api/v1/users/:id', async (req, res) => {
    res.json(await agents.userProfile(deps, parseOrThrow(idParams, req.params, 'id').id));
  });

  app.get('/api/agents/:id', async (req, res) => {
    const { id } = parseOrThrow(idParams, req.params, 'id');
    res.json(await agents.getAgent(deps, id));
  });
}
