/** Ledger: balances and transaction history of the caller (paths as the seeds print them: /api/v1/finance/…, /api/v1/agent/balance). */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { balanceOutput, transactionsOutput, transactionsQuery } from '../schemas/ledger';
import * as ledger from '../use-cases/ledger';
import { parseOrThrow } from '../validation';

function document() {
  for (const path of ['/api/v1/finance/balance', '/api/v1/agent/balance'])
    registry.registerPath({
      method: 'get',
      path,
      summary: 'Your balances (held = held for withdrawals + escrow)',
      security: authenticated,
      responses: { 200: jsonResponse('balance', balanceOutput), ...errorResponses(401) },
    });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/finance/transactions',
    summary: 'Your transactions, newest first (cursor pagination)',
    security: authenticated,
    request: { query: transactionsQuery },
    responses: { 200: jsonResponse('a page', transactionsOutput), ...errorResponses(400, 401) },
  });
}

// Registered once per process, at import (apps are created many times in tests).
document();

export function mountLedgerRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  app.get(['/api/v1/finance/balance', '/api/v1/agent/balance'], auth, async (_req, res) => {
    res.json(await ledger.balance(deps, principalOf(res).accountId));
  });

  app.get('/api/v1/finance/transactions', auth, async (req, res) => {
    const query = parseOrThrow(transactionsQuery, req.query, 'query');
    res.json(await ledger.transactions(deps, principalOf(res), query));
  });
}
