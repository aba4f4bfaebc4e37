/** Operator endpoint: the repairs of held/escrow balances whose owner workflow was closed or missing. */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { adminAccess } from '../console-auth';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { listRepairsQuery, repairListView } from '../schemas/reconciler';
import { listRepairs } from '../use-cases/reconciler';
import { parseOrThrow } from '../validation';

registry.registerPath({
  method: 'get',
  path: '/api/v1/admin/reconciler/repairs',
  summary: 'Held/escrow balances the reconciler returned to their owners, newest first (admin)',
  security: authenticated,
  request: { query: listRepairsQuery },
  responses: { 200: jsonResponse('the repairs', repairListView), ...errorResponses(400, 401, 403) },
});

export function mountReconcilerRoutes(app: Express, deps: ApiDeps): void {
  app.get('/api/v1/admin/reconciler/repairs', adminAccess(deps), async (req, res) => {
    res.json(await listRepairs(deps, parseOrThrow(listRepairsQuery, req.query, 'query')));
  });
}
