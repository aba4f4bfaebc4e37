/** Renter and bot rental endpoints (AgentsAccess lifecycle): start, list, read, extend, end, transcript. */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  cancelRentalInput,
  createRentalInput,
  endRentalInput,
  extendRentalInput,
  listMessagesQuery,
  listRentalsQuery,
  postMessageInput,
  rentalIdParams,
  rentalMessageView,
  rentalReceiptView,
  rentalView,
} from '../schemas/rentals';
import { pageFields } from '../schemas/common';
import * as rentals from '../use-cases/rentals';
import { rentalReceipt } from '../use-cases/rental-receipt';
import { parseOrThrow } from '../validation';

function document() {
  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: '/api/rentals',
      summary:
        'Rent an agent for N minutes, now or booked ahead (`starts_at`): price × minutes is held at once (optional Idempotency-Key)',
      request: { body: jsonBody(createRentalInput) },
      responses: {
        201: jsonResponse('the active (or, booked ahead, scheduled) rental', rentalView),
        ...errorResponses(400, 401, 402, 404, 409, 422, 429),
      },
    },
    {
      method: 'get',
      path: '/api/rentals',
      summary: 'Your rentals, as renter, bot or owner (newest first)',
      request: { query: listRentalsQuery },
      responses: {
        200: jsonResponse('rentals, newest first', z.object({ rentals: z.array(rentalView), ...pageFields })),
        ...errorResponses(400, 401),
      },
    },
    {
      method: 'get',
      path: '/api/rentals/{id}',
      summary: 'One rental',
      request: { params: rentalIdParams },
      responses: { 200: jsonResponse('rental', rentalView), ...errorResponses(400, 401, 404) },
    },
    {
      method: 'get',
      path: '/api/rentals/{id}/receipt',
      summary: 'A settled rental’s receipt (renter, bot owner): minutes, refund, transcript hash, postings',
      request: { params: rentalIdParams },
      responses: {
        200: jsonResponse('the receipt', rentalReceiptView),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    {
      method: 'post',
      path: '/api/rentals/{id}/extend',
      summary: 'Buy more minutes (renter; the timers move and the warning is re-armed)',
      request: { params: rentalIdParams, body: jsonBody(extendRentalInput) },
      responses: {
        200: jsonResponse('rental', rentalView),
        ...errorResponses(400, 401, 402, 403, 404, 409, 422, 429),
      },
    },
    {
      method: 'post',
      path: '/api/rentals/{id}/end',
      summary: 'End a rental now (renter, owner, or an operator) and settle it',
      request: { params: rentalIdParams, body: jsonBody(endRentalInput) },
      responses: {
        200: jsonResponse('settled rental', rentalView),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    {
      method: 'post',
      path: '/api/rentals/{id}/cancel',
      summary: "Cancel a rental booked ahead before its start (renter or the bot's owner): full refund",
      request: { params: rentalIdParams, body: jsonBody(cancelRentalInput) },
      responses: {
        200: jsonResponse('the cancelled, settled rental', rentalView),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    {
      method: 'get',
      path: '/api/rentals/{id}/messages',
      summary: 'The ordered chat transcript (renter, bot and owner only)',
      request: { params: rentalIdParams, query: listMessagesQuery },
      responses: {
        200: jsonResponse(
          'messages, oldest first',
          z.object({ messages: z.array(rentalMessageView), ...pageFields }),
        ),
        ...errorResponses(400, 401, 404),
      },
    },
    {
      method: 'post',
      path: '/api/rentals/{id}/messages',
      summary:
        'Post to the chat (max 2000 chars); 400 {"error":"rental ended"} once it ended, 409 before a booked start',
      request: { params: rentalIdParams, body: jsonBody(postMessageInput) },
      responses: {
        201: jsonResponse('stored message', rentalMessageView),
        ...errorResponses(400, 401, 404, 409),
      },
    },
  ];
  for (const route of routes) registry.registerPath({ ...route, security: authenticated });
}

// Registered once per process, at import (apps are created many times in tests).
document();

const rentalId = (req: Request) => parseOrThrow(rentalIdParams, req.params, 'id').id;

export function mountRentalsRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);
  const createWithKey = idempotent(deps.db, 'rentals.create', async (req, res, key) => ({
    status: 201,
    body: await rentals.createRental(deps, principalOf(res), parseOrThrow(createRentalInput, req.body), key),
  }));

  // Idempotency-Key is optional here: with one, a retry returns the same rental and holds once.
  app.post('/api/rentals', auth, async (req: Request, res: Response) => {
    if (req.get('idempotency-key')) return createWithKey(req, res, () => undefined);
    const input = parseOrThrow(createRentalInput, req.body);
    res.status(201).json(await rentals.createRental(deps, principalOf(res), input));
  });

  app.get('/api/rentals', auth, async (req, res) => {
    res.json(
      await rentals.listRentals(deps, principalOf(res), parseOrThrow(listRentalsQuery, req.query, 'query')),
    );
  });

  app.get('/api/rentals/:id', auth, async (req, res) => {
    res.json(await rentals.getRental(deps, principalOf(res), rentalId(req)));
  });

  app.get('/api/rentals/:id/receipt', auth, async (req, res) => {
    res.json(await rentalReceipt(deps, principalOf(res), rentalId(req)));
  });

  app.post('/api/rentals/:id/extend', auth, async (req, res) => {
    const id = rentalId(req);
    const { minutes } = parseOrThrow(extendRentalInput, req.body);
    res.json(
      await rentals.extendRental(deps, principalOf(res), id, minutes, req.get('idempotency-key')?.trim()),
    );
  });

  app.post('/api/rentals/:id/end', auth, async (req, res) => {
    const id = rentalId(req);
    const { reason } = parseOrThrow(endRentalInput, req.body ?? {});
    res.json(await rentals.endRental(deps, principalOf(res), id, reason));
  });

  app.post('/api/rentals/:id/cancel', auth, async (req, res) => {
    const id = rentalId(req);
    const { reason } = parseOrThrow(cancelRentalInput, req.body ?? {});
    res.json(await rentals.cancelRental(deps, principalOf(res), id, reason));
  });

  app.get('/api/rentals/:id/messages', auth, async (req, res) => {
    const query = parseOrThrow(listMessagesQuery, req.query, 'query');
    res.json(await rentals.listMessages(deps, principalOf(res), rentalId(req), query));
  });

  app.post('/api/rentals/:id/messages', auth, async (req, res) => {
    const id = rentalId(req);
    const { content } = parseOrThrow(postMessageInput, req.body);
    res.status(201).json(await rentals.postMessage(deps, principalOf(res), id, content));
  });
}
