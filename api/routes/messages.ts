/** Direct messages between accounts that share a rental or a task (issue 17.2). */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express, Request, Response } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  directMessagePage,
  directMessageView,
  dmBlockParams,
  dmBlockView,
  listDirectMessagesQuery,
  sendDirectMessageInput,
} from '../schemas/messages';
import { blockSender, listDirectMessages, sendDirectMessage, unblockSender } from '../use-cases/messages';
import { parseOrThrow } from '../validation';

export const MESSAGES_PATH = '/api/v1/messages';
const BLOCKS_PATH = `${MESSAGES_PATH}/blocks/:account_id`;

function document() {
  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: MESSAGES_PATH,
      summary:
        'Send a direct message to an account you share a rental or a task with (optional Idempotency-Key); ' +
        'the recipient gets a direct_message event or notification',
      request: { body: jsonBody(sendDirectMessageInput) },
      responses: {
        201: jsonResponse('the stored message', directMessageView),
        ...errorResponses(400, 401, 403, 404, 409, 422, 429),
      },
    },
    {
      method: 'get',
      path: MESSAGES_PATH,
      summary: 'Your conversation with one account, newest first, cursor-paginated',
      request: { query: listDirectMessagesQuery },
      responses: {
        200: jsonResponse('one page of messages', directMessagePage),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    {
      method: 'post',
      path: `${MESSAGES_PATH}/blocks/{account_id}`,
      summary: 'Block an account from sending you direct messages (idempotent)',
      request: { params: dmBlockParams },
      responses: {
        200: jsonResponse('the block', dmBlockView),
        ...errorResponses(400, 401, 404),
      },
    },
    {
      method: 'delete',
      path: `${MESSAGES_PATH}/blocks/{account_id}`,
      summary: 'Lift a block: the account may send you direct messages again',
      request: { params: dmBlockParams },
      responses: {
        200: jsonResponse('the lifted block', dmBlockView),
        ...errorResponses(400, 401, 404),
      },
    },
  ];
  // operationId and tag: api/openapi-operations.ts; the direct_message webhook: api/schemas/events.ts.
  for (const route of routes) registry.registerPath({ ...route, security: authenticated });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountMessageRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  const sendWithKey = idempotent(deps.db, 'messages.send', async (req, res, key) => ({
    status: 201,
    body: await sendDirectMessage(
      deps,
      principalOf(res),
      parseOrThrow(sendDirectMessageInput, req.body),
      key,
    ),
  }));
  // Idempotency-Key is optional: with one, a retry returns the same message and notifies once.
  app.post(MESSAGES_PATH, auth, async (req: Request, res: Response) => {
    if (req.get('idempotency-key')) return sendWithKey(req, res, () => undefined);
    const input = parseOrThrow(sendDirectMessageInput, req.body);
    res.status(201).json(await sendDirectMessage(deps, principalOf(res), input));
  });

  app.get(MESSAGES_PATH, auth, async (req, res) => {
    res.json(
      await listDirectMessages(
        deps,
        principalOf(res),
        parseOrThrow(listDirectMessagesQuery, req.query, 'query'),
      ),
    );
  });

  app.post(BLOCKS_PATH, auth, async (req, res) => {
    const { account_id } = parseOrThrow(dmBlockParams, req.params, 'account_id');
    res.json(await blockSender(deps, principalOf(res), account_id));
  });

  app.delete(BLOCKS_PATH, auth, async (req, res) => {
    const { account_id } = parseOrThrow(dmBlockParams, req.params, 'account_id');
    res.json(await unblockSender(deps, principalOf(res), account_id));
  });
}
