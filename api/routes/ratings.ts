/** After the rental (issue 17.3): ratings of rentals and of task submissions. */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { rentalIdParams } from '../schemas/rentals';
import { ratingInput, ratingView, submissionRatingParams } from '../schemas/ratings';
import { rateRental, rateSubmission } from '../use-cases/ratings';
import { parseOrThrow } from '../validation';
import { TASKS_BASE_PATH } from './tasks';

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
  ];
  // operationId and tag: api/openapi-operations.ts.
  for (const route of routes) registry.registerPath({ ...route, security: authenticated });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountRatingRoutes(app: Express, deps: ApiDeps): void {
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
}
