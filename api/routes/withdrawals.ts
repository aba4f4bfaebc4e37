/** USDT TRC-20 withdrawals (SPEC §4) and the operators' decision on them: parse, call one use-case, answer. */
import type { Express } from 'express';
import { principalOf, requireAuth } from '../auth';
import { adminAccess } from '../console-auth';
import type { ApiDeps } from '../deps';
import { idempotencyKeyHeader, idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  reviewWithdrawalInput,
  reviewWithdrawalResult,
  withdrawalIdInput,
  withdrawalView,
  withdrawInput,
  withdrawResult,
} from '../schemas/withdrawals';
import { createWithdrawal, decideWithdrawal, getWithdrawal } from '../use-cases/withdrawals';
import { actorOf } from './operators';
import { parseOrThrow } from '../validation';

const FINANCE = '/api/v1/finance';
const ADMIN = '/api/v1/admin/withdrawals';
/** The withdraw route; the create_withdrawal MCP tool hashes its REST-equivalent request against it. */
export const WITHDRAW_PATH = `${FINANCE}/withdraw`;

registry.registerPath({
  method: 'post',
  path: WITHDRAW_PATH,
  summary: 'Withdraw USDT TRC-20 (Idempotency-Key required); funds are held at once',
  security: authenticated,
  request: {
    headers: idempotencyKeyHeader,
    body: jsonBody(withdrawInput),
  },
  responses: {
    200: jsonResponse('queued', withdrawResult),
    ...errorResponses(400, 401, 402, 409, 422, 429),
  },
});
registry.registerPath({
  method: 'get',
  path: `${FINANCE}/withdrawals/{id}`,
  summary: 'A withdrawal with its status and txid',
  security: authenticated,
  request: { params: withdrawalIdInput },
  responses: { 200: jsonResponse('the withdrawal', withdrawalView), ...errorResponses(400, 401, 404) },
});
for (const decision of ['approve', 'reject'] as const) {
  registry.registerPath({
    method: 'post',
    path: `${ADMIN}/{id}/${decision}`,
    summary: `Operator: ${decision} a withdrawal in review (reason required; audited)`,
    security: authenticated,
    request: { params: withdrawalIdInput, body: jsonBody(reviewWithdrawalInput) },
    responses: {
      200: jsonResponse('decision recorded', reviewWithdrawalResult),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
}

export function mountWithdrawalRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.post(
    WITHDRAW_PATH,
    auth,
    idempotent(deps.db, 'withdraw', async (req, res, key) => {
      const input = parseOrThrow(withdrawInput, req.body ?? {});
      const body = await createWithdrawal(deps, principalOf(res), { ...input, idempotency_key: key });
      return { status: 200, body };
    }),
  );

  app.get(`${FINANCE}/withdrawals/:id`, auth, async (req, res) => {
    const params = parseOrThrow(withdrawalIdInput, req.params, 'id');
    res.json(await getWithdrawal(deps, principalOf(res), params));
  });

  for (const decision of ['approve', 'reject'] as const) {
    // The admin key header or the operator console's session (+ CSRF); audited (use-cases/operators).
    app.post(`${ADMIN}/:id/${decision}`, adminAccess(deps), async (req, res) => {
      const params = parseOrThrow(withdrawalIdInput, req.params, 'id');
      const input = parseOrThrow(reviewWithdrawalInput, req.body ?? {});
      res.json(
        await decideWithdrawal(deps, actorOf(res), {
          ...params,
          ...input,
          approve: decision === 'approve',
        }),
      );
    });
  }
}
