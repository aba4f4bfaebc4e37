/** After the rental (issue 17.2/17.3): ratings of rentals and task submissions, direct messages. */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express, Request, Response } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { rentalIdParams } from '../schemas/rentals';
import {
  directMessagePage,
  directMessageView,
  listDirectMessagesQuery,
  ratingInput,
  ratingView,
  sendDirectMessageInput,
  submissionRatingParams,
} from '../schemas/social';
import { listDirectMessages, sendDirectMessage } from '../use-cases/messages';
import { rateRental, rateSubmission } from '../use-cases/ratings';
import { parseOrThrow } from '../validation';
import { TASKS_BASE_PATH } from './tasks';

export const MESSAGES_PATH = '/api/v1/messages';
const SUBMISSION_RATING_PATH = `${TASKS_BASE_PATH}/{task_id}/submissions/{acceptance_id}/rating`;

function document() {
  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: '/api/rentals/{id}/rating',
      summary:
        'Rate the rented agent, 1–5 stars and an optional comment: the renter, once, after the rental ended',
      request: { params: rentalIdParams, body: jsonBody(ratingInput) },
      responses: {
        201: jsonResponse('the rating', ratingView),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    {
      method: 'post',
      path: SUBMISSION_RATING_PATH,
      summary: "Rate an approved submission's worker, 1–5 stars: the task creator, once",
      request: { params: submissionRatingParams, body: jsonBody(ratingInput) },
      responses: {
        201: jsonResponse('the rating', ratingView),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    {
      method: 'post',
      path: MESSAGES_PATH,
      summary:
        'Send a direct message to an account you share a rental or a task with (optional Idempotency-Key); ' +
        'the recipient gets a direct_message event or notification',
      request: { body: jsonBody(sendDirectMessageInput) },
      responses: {
        201: jsonResponse('the stored message', directMessageView),
        ...errorResponses(400, 401, 403, 404, 409, 422),
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
  ];
  // operationId and tag: api/openapi-operations.ts; the direct_message webhook: api/schemas/events.ts.
  for (const route of routes) registry.registerPath({ ...route, security: authenticated });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountSocialRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.post('/api/rentals/:id/rating', auth, async (req, res) => {
    const { id } = parseOrThrow(rentalIdParams, req.params, 'id');
    const input = parseOrThrow(ratingInput, req.body ?? {});
    res.status(201).json(await rateRental(deps, principalOf(res), id, input));
  });

  app.post(`${TASKS_BASE_PATH}/:task_id/submissions/:acceptance_id/rating`, auth, async (req, res) => {
    const params = parseOrThrow(submissionRatingParams, req.params, 'path');
    const input = parseOrThrow(ratingInput, req.body ?? {});
    res.status(201).json(await rateSubmission(deps, principalOf(res), params, input));
  });

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
}
