/**
 * The worker process: `npm run worker`. Runs every workflow and activity on TEMPORAL_TASK_QUEUE,
 * exports SDK metrics for Prometheus on METRICS_PORT, and on SIGTERM/SIGINT stops polling and
 * lets in-flight activities finish (the SDK's shutdown; up to shutdownGraceTime).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { describeConfig, loadConfig } from './config';
import { createPool } from '../db/pool';
import { createLogger } from './logger';
import { temporalConnectionOptions } from './temporal-connection';
import { ensureDepositWatcher } from '../activities/tron-watcher';
import { createWorker } from './create-worker';
import { ensureSchedules } from './schedules';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  // METRICS_PORT=0 disables the Prometheus endpoint (tests run several workers at once).
  if (config.METRICS_PORT > 0) {
    Runtime.install({
      telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.METRICS_PORT}` } } },
    });
  }
  logger.info({ config: describeConfig(config) }, 'starting worker');
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const db = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
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
    { taskQueue: config.TEMPORAL_TASK_QUEUE, metrics: `:${config.METRICS_PORT}/metrics` },
    'worker running',
  );
  // Worker.run() installs SIGINT/SIGTERM handlers that trigger a graceful shutdown.
  await worker.run();
  await db.end();
  await clientConnection.close();
  await connection.close();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
