/**
 * The Rentr renter API, on both `/v1/*` and `/api/v1/*` (Rentr's api subdomain rewrites to
 * /api). Credentials are rental codes, not account keys. CORS and the per-IP limit are applied to
 * these paths in api/app.ts; failed code lookups have their own, smaller per-IP budget here.
 */
import type { Express, Request } from 'express';
import { credentialOf } from '../auth';
import type { ApiDeps } from '../deps';
import { errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { clientIp, limitRentalCodeLookup } from '../rate-limit';
import { rentrChatInput, rentrChatResponse, rentrStatusResponse } from '../schemas/chat';
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
        200: jsonResponse('the agent replied', rentrChatResponse),
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

export function mountRentrRoutes(app: Express, deps: ApiDeps): void {
  // Guessing a code costs a point of the IP's budget; a code that names a rental costs nothing.
  const rentalOf = (req: Request) =>
    limitRentalCodeLookup(deps, clientIp(req), () => rentr.rentalByCode(deps, credentialOf(req)));
  for (const prefix of PREFIXES) {
    app.post(`${prefix}/chat`, async (req, res) => {
      const rental = await rentalOf(req);
      const input = parseOrThrow(rentrChatInput, req.body);
      res.json(await rentr.chat(deps, rental, input));
    });

    app.get(`${prefix}/status`, async (req, res) => {
      const rental = await rentalOf(req);
      res.json(await rentr.status(deps, rental));
    });
  }
}
