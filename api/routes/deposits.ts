/** USDT TRC-20 deposits (SPEC §4): parse, call one use-case, answer. */
import type { Express } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { depositAddressResult, listDepositsInput, listDepositsResult } from '../schemas/deposits';
import { getDepositAddress, listDeposits } from '../use-cases/deposits';
import { parseOrThrow } from '../validation';

const FINANCE = '/api/v1/finance';

registry.registerPath({
  method: 'get',
  path: `${FINANCE}/deposit/address`,
  summary: 'Your USDT TRC-20 deposit address (stable, one per account)',
  security: authenticated,
  responses: { 200: jsonResponse('the address', depositAddressResult), ...errorResponses(401, 503) },
});
registry.registerPath({
  method: 'get',
  path: `${FINANCE}/deposits`,
  summary: 'Your deposits with confirmations and status',
  security: authenticated,
  request: { query: listDepositsInput },
  responses: { 200: jsonResponse('deposits, newest first', listDepositsResult), ...errorResponses(400, 401) },
});

export function mountDepositRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.get(`${FINANCE}/deposit/address`, auth, async (_req, res) => {
    res.json(await getDepositAddress(deps, principalOf(res)));
  });

  app.get(`${FINANCE}/deposits`, auth, async (req, res) => {
    const input = parseOrThrow(listDepositsInput, req.query, 'query');
    res.json(await listDeposits(deps, principalOf(res), input));
  });
}
