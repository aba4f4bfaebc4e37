/**
 * The Rentr renter API, on both `/v1/*` and `/api/v1/*` (Rentr's api subdomain rewrites to
 * /api). Credentials are rental codes, not account keys. CORS and the per-IP limit are applied to
 * these paths in api/app.ts; failed code lookups have their own, smaller per-IP budget here.
 */
import type { Express, Request } from 'express';
import { z } from 'zod';
import { credentialOf } from '../auth';
import type { ApiDeps } from '../deps';
import { errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { clientIp, limitRentalCodeLookup } from '../rate-limit';
import { rentrChatInput, type RentrChatInput, rentrChatResponse, rentrStatusResponse } from '../schemas/chat';
import { SseAnswer } from '../sse';
import * as rentr from '../use-cases/chat';
import { parseOrThrow } from '../validation';

const PREFIXES = ['/v1', '/api/v1'] as const;

const rentalCodeAuth = registry.registerComponent('securitySchemes', 'RentalCode', {
  type: 'apiKey',
  in: 'header',
  name: 'X-API-Key',
  description:
    'First 8+ characters of the rental UUID (dashes optional, any case); or Authorization: Bearer <code>',
});

function document() {
  for (const prefix of PREFIXES) {
    registry.registerPath({
      method: 'post',
      path: `${prefix}/chat`,
      summary: 'Send a message to your rented agent and get its reply',
      security: [{ [rentalCodeAuth.name]: [] }],
      request: { body: jsonBody(rentrChatInput) },
      responses: {
        200: {
          description:
            'the agent replied: JSON, or with `Accept: text/event-stream` / `"stream": true` Server-Sent ' +
            'Events — `delta` events (data `{"delta": "<next piece of the reply>"}`), then one `done` whose ' +
            'data is the JSON answer (`RentrChatResponse`); an error once the stream has begun is an ' +
            '`error` event (data `{error, code}`) instead of `done`',
          content: {
            'application/json': { schema: rentrChatResponse },
            'text/event-stream': {
              schema: z.string().openapi({
                example:
                  'event: delta\ndata: {"delta":"Par"}\n\nevent: delta\ndata: {"delta":"is."}\n\n' +
                  'event: done\ndata: {"success":true,"agent":"GeographyBot","response":"Paris.",' +
                  '"rental":{"id":"a1b2c3d4-5678-90ab-cdef-1234567890ab","ends_at":"2026-05-23T18:00:00Z"}}\n\n',
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 429, 502, 503),
      },
    });
    registry.registerPath({
      method: 'get',
      path: `${prefix}/status`,
      summary: 'Status of your rental and its agent',
      security: [{ [rentalCodeAuth.name]: [] }],
      responses: {
        200: jsonResponse('rental status', rentrStatusResponse),
        ...errorResponses(400, 401, 403, 429),
      },
    });
  }
}

// Registered once per process, at import (apps are created many times in tests).
document();

/**
 * A streamed chat: `"stream": true`, or (no `stream` in the body) an Accept that names
 * `text/event-stream` and prefers it to `application/json` (by q, then by order). The plain
 * clients' path reads one header and does no negotiation.
 */
function wantsStream(req: Request, input: RentrChatInput): boolean {
  if (input.stream !== undefined) return input.stream;
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  if (!req.headers.accept?.toLowerCase().includes('text/event-stream')) return false;
  return req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';
}

export function mountRentrRoutes(app: Express, deps: ApiDeps): void {
  // Guessing a code costs a point of the IP's budget; a code that names a rental costs nothing.
  const rentalOf = (req: Request) =>
    limitRentalCodeLookup(deps, clientIp(req), () => rentr.rentalByCode(deps, credentialOf(req)));
  for (const prefix of PREFIXES) {
    app.post(`${prefix}/chat`, async (req, res) => {
      const rental = await rentalOf(req);
      const input = parseOrThrow(rentrChatInput, req.body);
      if (!wantsStream(req, input)) {
        res.json(await rentr.chat(deps, rental, input));
        return;
      }
      const sse = new SseAnswer(res);
      try {
        const answer = await rentr.chat(deps, rental, input, (delta) => sse.send('delta', { delta }));
        sse.send('done', answer);
        sse.end();
      } catch (err) {
        if (!sse.started) throw err; // nothing sent yet: today's status and JSON body
        sse.fail(err, (e, msg) => deps.logger.error({ err: e }, msg));
      }
    });

    app.get(`${prefix}/status`, async (req, res) => {
      const rental = await rentalOf(req);
      res.json(await rentr.status(deps, rental));
    });
  }
}
