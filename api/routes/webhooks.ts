/** Webhook delivery log, redelivery, test event, signing-secret rotation and endpoint re-enable. */
import type { Express } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  deliveryDetailView,
  deliveryIdParams,
  deliveryListView,
  endpointInput,
  endpointView,
  enqueuedView,
  listDeliveriesQuery,
  secretView,
} from '../schemas/webhooks';
import * as webhooks from '../use-cases/webhooks';
import { optionalIdempotencyKeyOf } from '../idempotency';
import { parseOrThrow } from '../validation';

function document() {
  registry.registerPath({
    method: 'put',
    path: '/api/v1/webhooks/endpoint',
    summary:
      'Set or remove (null) your webhook URL — how people receive task webhooks; bots may also use PATCH /api/agents/me',
    security: authenticated,
    request: { body: jsonBody(endpointInput) },
    responses: { 200: jsonResponse('the endpoint', endpointView), ...errorResponses(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/webhooks/deliveries',
    summary: 'Your webhook deliveries, newest first (cursor pagination; filter by event, state, time)',
    security: authenticated,
    request: { query: listDeliveriesQuery },
    responses: { 200: jsonResponse('a page of deliveries', deliveryListView), ...errorResponses(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/webhooks/deliveries/{id}',
    summary: 'One delivery with its attempts',
    security: authenticated,
    request: { params: deliveryIdParams },
    responses: { 200: jsonResponse('the delivery', deliveryDetailView), ...errorResponses(400, 401, 404) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/deliveries/{id}/redeliver',
    summary: 'Send a settled delivery again as a new, freshly signed delivery (owner or admin)',
    security: authenticated,
    request: { params: deliveryIdParams },
    responses: { 202: jsonResponse('the new delivery', enqueuedView), ...errorResponses(400, 401, 404, 409) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/test',
    summary: 'Send a webhook_test event to your webhook_url',
    security: authenticated,
    responses: { 202: jsonResponse('the test delivery', enqueuedView), ...errorResponses(401, 409) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/secret/rotate',
    summary: 'Replace your webhook signing secret (whsec_…); the new secret is shown once',
    security: authenticated,
    responses: { 200: jsonResponse('the new secret', secretView), ...errorResponses(401) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/webhooks/endpoint/enable',
    summary: 'Re-enable a webhook endpoint that was disabled after 24 h of failures',
    security: authenticated,
    responses: { 200: jsonResponse('the endpoint', endpointView), ...errorResponses(401) },
  });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountWebhookRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.get('/api/v1/webhooks/deliveries', auth, async (req, res) => {
    const query = parseOrThrow(listDeliveriesQuery, req.query, 'query');
    res.json(await webhooks.listDeliveries(deps, principalOf(res), query));
  });
  app.get('/api/v1/webhooks/deliveries/:id', auth, async (req, res) => {
    const { id } = parseOrThrow(deliveryIdParams, req.params, 'id');
    res.json(await webhooks.getDelivery(deps, principalOf(res), id));
  });
  app.post('/api/v1/webhooks/deliveries/:id/redeliver', auth, async (req, res) => {
    const { id } = parseOrThrow(deliveryIdParams, req.params, 'id');
    res.status(202).json(await webhooks.redeliver(deps, principalOf(res), id, optionalIdempotencyKeyOf(req)));
  });
  app.post('/api/v1/webhooks/test', auth, async (req, res) => {
    res.status(202).json(await webhooks.sendTestEvent(deps, principalOf(res), optionalIdempotencyKeyOf(req)));
  });
  app.post('/api/v1/webhooks/secret/rotate', auth, async (_req, res) => {
    res.json(await webhooks.rotateSecret(deps, principalOf(res)));
  });
  app.put('/api/v1/webhooks/endpoint', auth, async (req, res) => {
    const { url } = parseOrThrow(endpointInput, req.body);
    res.json(await webhooks.setEndpoint(deps, principalOf(res), url));
  });
  app.post('/api/v1/webhooks/endpoint/enable', auth, async (_req, res) => {
    res.json(await webhooks.enableEndpoint(deps, principalOf(res)));
  });
}
