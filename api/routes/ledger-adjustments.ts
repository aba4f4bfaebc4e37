/**
 * Ledger, operator side: manual credit/debit adjustments — from the console session or with the
 * admin key, never on an account the operator owns, each in admin_audit (and the journal memo).
 */
import type { Express } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { adminAccess } from '../console-auth';
import { idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { adjustmentInput, adjustmentView } from '../schemas/ledger';
import * as ledger from '../use-cases/ledger';
import { parseOrThrow } from '../validation';
import { actorOf } from './operators';

registry.registerPath({
  method: 'post',
  path: '/api/v1/admin/adjustments',
  summary: 'Credit (positive) or debit (negative) an account; audited; Idempotency-Key required',
  security: authenticated,
  request: {
    headers: z.object({
      'x-csrf-token': z
        .string()
        .optional()
        .describe('the console session’s csrf_token; required with its cookie'),
    }),
    body: jsonBody(adjustmentInput),
  },
  responses: {
    201: jsonResponse('adjustment posted', adjustmentView),
    ...errorResponses(400, 401, 402, 403, 404, 409, 422),
  },
});

export function mountLedgerAdjustmentRoutes(app: Express, deps: ApiDeps): void {
  app.post(
    '/api/v1/admin/adjustments',
    // The admin key header or the console session (+ CSRF); the four-eyes rules are the use-case's.
    adminAccess(deps),
    // Validate before the Idempotency-Key is claimed: bad input never touches the database.
    (req, _res, next) => {
      parseOrThrow(adjustmentInput, req.body);
      next();
    },
    idempotent(deps.db, 'admin-adjustment', async (req, res, key) => {
      const input = parseOrThrow(adjustmentInput, req.body);
      return { status: 201, body: await ledger.auditedAdjust(deps, actorOf(res), input, key) };
    }),
  );
}
