/** Ledger, operator side: manual credit/debit adjustments (audited in the journal memo). */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { principalOf, requireAdmin, requireAuth } from '../auth';
import { idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { adjustmentInput, adjustmentView } from '../schemas/ledger';
import * as ledger from '../use-cases/ledger';
import { parseOrThrow } from '../validation';

registry.registerPath({
  method: 'post',
  path: '/api/v1/admin/adjustments',
  summary: 'Credit (positive) or debit (negative) an account; audited; Idempotency-Key required',
  security: authenticated,
  request: { body: jsonBody(adjustmentInput) },
  responses: {
    201: jsonResponse('adjustment posted', adjustmentView),
    ...errorResponses(400, 401, 402, 403, 404, 409, 422),
  },
});

export function mountLedgerAdjustmentRoutes(app: Express, deps: ApiDeps): void {
  app.post(
    '/api/v1/admin/adjustments',
    requireAuth(deps),
    requireAdmin,
    // Validate before the Idempotency-Key is claimed: bad input never touches the database.
    (req, _res, next) => {
      parseOrThrow(adjustmentInput, req.body);
      next();
    },
    idempotent(deps.db, 'admin-adjustment', async (req, res, key) => {
      const input = parseOrThrow(adjustmentInput, req.body);
      return { status: 201, body: await ledger.adjust(deps, principalOf(res), input, key) };
    }),
  );
}
