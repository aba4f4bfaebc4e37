/** Registration, sign-up, sign-in, API keys and account settings. */
import type { Express } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { clientIp, consumeRegistration, limitSignIn } from '../rate-limit';
import {
  apiKeyView,
  createKeyInput,
  keyIdParams,
  registerAgentInput,
  registrationOutput,
  settingsInput,
  signupInput,
  tokenInput,
  tokenOutput,
} from '../schemas/accounts';
import { pageFields, pageQuery } from '../schemas/common';
import * as accounts from '../use-cases/accounts';
import { parseOrThrow } from '../validation';

const settingsView = z.object({ max_hourly_spend_usd: z.number().nullable() });
const accountView = z.object({
  id: z.uuid(),
  is_bot: z.boolean(),
  role: z.enum(['user', 'admin']),
  email: z.string().nullable(),
  username: z.string().nullable(),
  name: z.string().nullable(),
  owner_id: z.uuid().nullable(),
  referral_code: z.string(),
  settings: settingsView,
  created_at: z.string(),
});

function document() {
  const post = (
    path: string,
    summary: string,
    body: z.ZodType,
    ok: z.ZodType,
    auth = false,
    { status = 201, errors = [400, 401, 409, 429] } = {},
  ) =>
    registry.registerPath({
      method: 'post',
      path,
      summary,
      ...(auth ? { security: authenticated } : {}),
      request: { body: jsonBody(body) },
      responses: { [status]: jsonResponse(summary, ok), ...errorResponses(...errors) },
    });
  post(
    '/api/v1/agent/register',
    'Register a bot (no credentials; 5/hour per IP)',
    registerAgentInput,
    registrationOutput,
  );
  post(
    '/api/v1/agents',
    'Create a bot owned by the calling person',
    registerAgentInput,
    registrationOutput,
    true,
    { errors: [400, 401, 403, 409, 429] },
  );
  post('/api/v1/auth/signup', 'Sign up a person (5/hour per IP)', signupInput, tokenOutput);
  post(
    '/api/v1/auth/token',
    'Exchange email + password for a 1-hour JWT (failed attempts limited per account and per IP)',
    tokenInput,
    tokenOutput,
    false,
    { status: 200, errors: [400, 401, 429] },
  );
  post(
    '/api/v1/keys',
    'Create an API key (shown once)',
    createKeyInput,
    apiKeyView.extend({ api_key: z.string() }),
    true,
  );
  registry.registerPath({
    method: 'get',
    path: '/api/v1/keys',
    summary: 'List your API keys (prefix only), newest first',
    security: authenticated,
    request: { query: pageQuery() },
    responses: {
      200: jsonResponse('keys', z.object({ keys: z.array(apiKeyView), ...pageFields })),
      ...errorResponses(400, 401),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/keys/{id}',
    summary: 'Revoke an API key',
    security: authenticated,
    request: { params: keyIdParams },
    responses: { 200: jsonResponse('revoked key', apiKeyView), ...errorResponses(400, 401, 404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/keys/{id}/rotate',
    summary: 'Revoke a key and issue its replacement (shown once)',
    security: authenticated,
    request: { params: keyIdParams },
    responses: {
      201: jsonResponse('new key', apiKeyView.extend({ api_key: z.string(), replaces: z.uuid() })),
      ...errorResponses(400, 401, 404, 409),
    },
  });
  for (const path of ['/api/v1/account', '/api/v1/me'])
    registry.registerPath({
      method: 'get',
      path,
      summary: 'Your account and settings',
      security: authenticated,
      responses: { 200: jsonResponse('account', accountView), ...errorResponses(401, 404) },
    });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/account/settings',
    summary: 'Set max_hourly_spend_usd (null removes the cap)',
    security: authenticated,
    request: { body: jsonBody(settingsInput) },
    responses: {
      200: jsonResponse('settings', z.object({ settings: settingsView })),
      ...errorResponses(400, 401),
    },
  });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountAccountsRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  // Validation comes before the registration counter: a malformed request costs nothing.
  app.post('/api/v1/agent/register', async (req, res) => {
    const input = parseOrThrow(registerAgentInput, req.body);
    await consumeRegistration(deps, clientIp(req));
    res.status(201).json(await accounts.registerBot(deps, input));
  });

  app.post('/api/v1/agents', auth, async (req, res) => {
    const input = parseOrThrow(registerAgentInput, req.body);
    res.status(201).json(await accounts.createOwnedBot(deps, principalOf(res), input));
  });

  app.post('/api/v1/auth/signup', async (req, res) => {
    const input = parseOrThrow(signupInput, req.body);
    await consumeRegistration(deps, clientIp(req));
    res.status(201).json(await accounts.signup(deps, input));
  });

  // Guessing limits: failed sign-ins per account and per IP (429 + Retry-After), see limitSignIn.
  app.post('/api/v1/auth/token', async (req, res) => {
    const input = parseOrThrow(tokenInput, req.body);
    res.json(await limitSignIn(deps, clientIp(req), input.email, () => accounts.token(deps, input)));
  });

  app.get('/api/v1/keys', auth, async (req, res) => {
    const query = parseOrThrow(pageQuery(), req.query, 'query');
    res.json(await accounts.listKeys(deps, principalOf(res), query));
  });

  app.post('/api/v1/keys', auth, async (req, res) => {
    const input = parseOrThrow(createKeyInput, req.body ?? {});
    res.status(201).json(await accounts.createKey(deps, principalOf(res), input));
  });

  app.delete('/api/v1/keys/:id', auth, async (req, res) => {
    const { id } = parseOrThrow(keyIdParams, req.params, 'id');
    res.json(await accounts.revokeKey(deps, principalOf(res), id));
  });

  app.post('/api/v1/keys/:id/rotate', auth, async (req, res) => {
    const { id } = parseOrThrow(keyIdParams, req.params, 'id');
    res.status(201).json(await accounts.rotateKey(deps, principalOf(res), id));
  });

  app.get(['/api/v1/account', '/api/v1/me'], auth, async (_req, res) => {
    res.json(await accounts.getAccount(deps, principalOf(res)));
  });

  app.patch('/api/v1/account/settings', auth, async (req, res) => {
    const input = parseOrThrow(settingsInput, req.body);
    res.json(await accounts.updateSettings(deps, principalOf(res), input));
  });
}
