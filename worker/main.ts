/**
 * The worker process: `npm run worker`. Runs every workflow and activity on TEMPORAL_TASK_QUEUE,
 * exports SDK metrics for Prometheus on METRICS_PORT and business metrics on WORKER_METRICS_PORT,
 * logs everything (the SDK's and Core's messages too) as pino JSON, and on SIGTERM/SIGINT stops
 * polling and lets in-flight activities finish (the SDK's shutdown; up to shutdownGraceTime).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describeConfig, loadConfig } from './config';
import { createPool } from '../db/pool';
import { createLogger } from './logger';
import { temporalConnectionOptions } from './temporal-connection';
import { ensureDepositWatcher } from '../activities/deposit-watcher';
import { createWorker } from './create-worker';
import { createWorkerMetrics, READ_TIMEOUT_MS, startMetricsServer } from './metrics';
import { installWorkerRuntime } from './runtime';
import { ensureSchedules } from './schedules';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  // Before any connection or worker exists (either would install a default Runtime).
  // METRICS_PORT=0 disables the SDK's Prometheus endpoint (tests run several workers at once).
  installWorkerRuntime(logger, { prometheusPort: config.METRICS_PORT });
  logger.info({ config: describeConfig(config) }, 'starting worker');
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const db = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  // Gauge reads get their own two connections, each statement cut at the read timeout.
  const metricsDb = createPool(config.DATABASE_URL, 2, { statementTimeoutMs: READ_TIMEOUT_MS });
  const metricsServer =
    config.WORKER_METRICS_PORT > 0
      ? await startMetricsServer(
          createWorkerMetrics({ config, db: metricsDb, logger }).registry,
          config.WORKER_METRICS_PORT,
        )
      : undefined;
  const worker = await createWorker({
    deps: {
      config,
      db,
      logger,
      temporal: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
    },
    connection,
    ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
  });
  await ensureSchedules(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  });
  await ensureDepositWatcher(
    new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
    config,
    logger,
  );
  logger.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      metrics: `:${config.METRICS_PORT}/metrics`,
      businessMetrics: metricsServer ? `:${metricsServer.port}/metrics` : 'off',
    },
    'worker running',
  );
  // Worker.run() installs SIGINT/SIGTERM handlers that trigger a graceful shutdown.
  await worker.run();
  await metricsServer?.close();
  await metricsDb.end();
  await db.end();
  await clientConnection.close();
  await connection.close();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
