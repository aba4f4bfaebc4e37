/**
 * The API process: `npm run api`. Listens on PORT. On SIGTERM/SIGINT it drains: stops accepting
 * connections at once, lets the requests in flight finish (each answers by its deadline, 504 at
 * the latest), then closes what is left and exits 0. A second signal kills it at once.
 */
import { Client, Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import { type Config, describeConfig, loadConfig } from '../worker/config';
import { createPool } from '../db/pool';
import { createLogger, type Logger } from '../worker/logger';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { createApp } from './app';
import { startMetricsListener } from './metrics';
import type { ApiDeps } from './deps';

export interface RunningApi {
  url: string;
  /** The metrics listener's `/metrics` URL (API_METRICS_PORT), or null when it is off. */
  metricsUrl: string | null;
  deps: ApiDeps;
  /** Closes at once, cutting requests in flight (tests, a failed start). */
  close(): Promise<void>;
  /**
   * Stops accepting connections now, waits up to `graceMs` for the requests in flight to be
   * answered (idle keep-alive connections are closed as they go idle), then cuts what is left.
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * How long a drain waits: every request is answered by its deadline (504 past it), and its
 * Temporal calls end within a second after; long-lived streams (MCP SSE) are cut at the end.
 */
export const drainGraceMs = (config: Config): number =>
  Math.max(config.REQUEST_DEADLINE_MS, config.ADMIN_REQUEST_DEADLINE_MS, config.MCP_REQUEST_DEADLINE_MS) +
  2_000;

/** Connects lazily to Temporal so the API starts (and reports 503 on /health) while Temporal is down. */
export function createApiDeps(
  config: Config,
  logger: Logger = createLogger(config.LOG_LEVEL, 'api'),
): ApiDeps {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const connection = Connection.lazy(temporalConnectionOptions(config));
  return {
    config,
    logger,
    // No statement on the request path outlives the longest request deadline.
    db: createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, {
      statementTimeoutMs: Math.max(
        config.REQUEST_DEADLINE_MS,
        config.ADMIN_REQUEST_DEADLINE_MS,
        config.MCP_REQUEST_DEADLINE_MS,
      ),
    }),
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    temporalConnection: connection,
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** server.close() refuses new connections; in-flight requests finish unless `graceMs` runs out. */
function drainServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // A keep-alive connection whose request was answered must not hold the drain open.
    const idle = setInterval(() => server.closeIdleConnections(), 200);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export async function startApi(
  deps: ApiDeps,
  port = deps.config.PORT,
  host = '0.0.0.0',
): Promise<RunningApi> {
  const app = createApp(deps);
  // Express 5 hands a listen error (EADDRINUSE …) to the callback instead of throwing.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const { API_METRICS_PORT, API_METRICS_HOST } = deps.config;
  const metrics =
    API_METRICS_PORT > 0
      ? await startMetricsListener(API_METRICS_PORT, API_METRICS_HOST).catch(async (err: unknown) => {
          await closeServer(server);
          throw err;
        })
      : null;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    metricsUrl: metrics?.url ?? null,
    deps,
    close: async () => {
      await closeServer(server);
      await metrics?.close();
    },
    drain: async (graceMs) => {
      // Scrapes may continue while the API drains: the metrics listener closes last.
      await drainServer(server, graceMs);
      await metrics?.close();
    },
  };
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const deps = createApiDeps(config);
  deps.logger.info({ config: describeConfig(config) }, 'starting api');
  startApi(deps).then(
    (api) => {
      deps.logger.info(
        `api listening on ${api.url}; metrics on ${api.metricsUrl ?? 'off (API_METRICS_PORT=0)'}`,
      );
      const stop = async (signal: NodeJS.Signals) => {
        const graceMs = drainGraceMs(config);
        deps.logger.info(
          `${signal}: draining — no new connections; up to ${graceMs} ms for the requests in flight`,
        );
        await api.drain(graceMs);
        deps.logger.info('drained: every request in flight was answered or cut at the grace');
        await deps.db.end();
        await deps.temporalConnection.close();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      deps.logger.fatal({ err }, `api could not start on port ${config.PORT}`);
      process.exit(1);
    },
  );
}
