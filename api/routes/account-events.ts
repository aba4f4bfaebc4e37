/**
 * The event feed (issue 23): `GET /api/agents/me/events` and `POST /api/agents/me/events/ack`.
 * Any account has one (people too, like `pending`).
 */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { ackEventsInput, ackView, eventPageView, listEventsQuery } from '../schemas/account-events';
import { acknowledgeEvents, listEvents } from '../use-cases/account-events';
import { parseOrThrow } from '../validation';

registry.registerPath({
  method: 'get',
  path: '/api/agents/me/events',
  summary: 'Every event of your account (notifications and webhook events), oldest first, by cursor',
  security: authenticated,
  request: { query: listEventsQuery },
  responses: { 200: jsonResponse('a page of events', eventPageView), ...errorResponses(400, 401) },
});
registry.registerPath({
  method: 'post',
  path: '/api/agents/me/events/ack',
  summary: 'Acknowledge every event up to a cursor: its notifications are marked read',
  security: authenticated,
  request: { body: jsonBody(ackEventsInput) },
  responses: { 200: jsonResponse('acknowledged', ackView), ...errorResponses(400, 401) },
});

export function mountAccountEventRoutes(app: Express, deps: ApiDeps): void {
  app.get('/api/agents/me/events', requireAuth(deps), async (req, res) => {
    const query = parseOrThrow(listEventsQuery, req.query, 'query');
    res.json(await listEvents(deps, principalOf(res), query));
  });
  app.post('/api/agents/me/events/ack', requireAuth(deps), async (req, res) => {
    const { up_to } = parseOrThrow(ackEventsInput, req.body);
    res.json(await acknowledgeEvents(deps, principalOf(res), up_to));
  });
}
