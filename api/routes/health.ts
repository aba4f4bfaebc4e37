import type { Express } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { jsonResponse, registry } from '../openapi';
import { ping } from '../../db/health';

const healthSchema = registry.register(
  'Health',
  z.object({
    status: z.enum(['ok', 'degraded']),
    postgres: z.enum(['ok', 'down']),
    temporal: z.enum(['ok', 'down']),
  }),
);

registry.registerPath({
  method: 'get',
  path: '/health',
  summary: 'Liveness of the API and its dependencies',
  responses: {
    200: jsonResponse('all dependencies up', healthSchema),
    503: jsonResponse('a dependency is down', healthSchema),
  },
});

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

export function mountHealthRoutes(app: Express, deps: ApiDeps): void {
  app.get('/health', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      withTimeout(ping(deps.db), 2000).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      // The deadline also ends the client's gRPC retries: without it every /health during an
      // outage would leave ~15 s of background retries behind.
      withTimeout(
        deps.temporalConnection.withDeadline(Date.now() + 2000, () =>
          deps.temporalConnection.healthService.check({}),
        ),
        2000,
      ).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
    ]);
    const ok = postgres === 'ok' && temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres, temporal });
  });
}
