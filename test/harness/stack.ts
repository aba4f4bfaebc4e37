/**
 * The real platform in-process for integration tests: the production worker (workflows bundled
 * once per test file) and the API on a random port, against the shared Postgres / Temporal /
 * devchain of this run. Every stack gets its own task queue so test files never share workers.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps';
import { startApi, type RunningApi } from '../../api/server';
import { type Config, loadConfig } from '../../worker/config';
import { createPool, type Db } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import { createWorker, WORKFLOWS_PATH } from '../../worker/create-worker';
import { harnessState } from './state';
import { cachedWorkflowBundle } from './workflow-bundle';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
/** JWT_SECRET has no default: every test stack signs with this one. */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

let bundle: Promise<WorkflowBundle> | undefined;
/** The webpack bundle of the production workflows, built once per state of the sources (workflow-bundle.ts). */
export function productionBundle(): Promise<WorkflowBundle> {
  bundle ??= cachedWorkflowBundle(WORKFLOWS_PATH);
  return bundle;
}

/** Configuration for tests: the harness services plus overrides. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  const state = harnessState();
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: state.databaseUrl,
    TEMPORAL_ADDRESS: state.temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    ALLOW_PRIVATE_WEBHOOKS: 'true',
    // Every stack counts rate limits on its own (all tests come from 127.0.0.1).
    RATE_LIMIT_KEY_PREFIX: `rl-${randomUUID().slice(0, 8)}`,
    ...(state.tron
      ? { TRON_FULL_HOST: state.tron.fullHost, TRON_USDT_CONTRACT: state.tron.usdtContract }
      : {}),
    ...overrides,
  });
}

export interface Stack {
  config: Config;
  api: RunningApi;
  url: string;
  db: Db;
  client: Client;
  worker?: Worker;
  /** Starts (or restarts) the in-process worker. */
  startWorker(): Promise<void>;
  /** Stops the in-process worker (graceful shutdown), e.g. to simulate a worker outage. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(
  opts: {
    config?: Partial<Record<keyof Config, string>>;
    worker?: boolean;
    activityOverrides?: Record<string, (...args: never[]) => Promise<unknown>>;
  } = {},
): Promise<Stack> {
  const config = testConfig(opts.config);
  const logger = createLogger(config.LOG_LEVEL, 'test');
  const db = createPool(config.DATABASE_URL!, 30);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const api = await startApi(
    { config, db, logger, temporal: client, temporalConnection: connection },
    0,
    '127.0.0.1',
  );
  const deps: ActivityDeps = { config, db, logger, temporal: client };

  let nativeConnection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  const stack: Stack = {
    config,
    api,
    url: api.url,
    db,
    client,
    async startWorker() {
      nativeConnection ??= await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const worker = await createWorker({
        deps,
        connection: nativeConnection,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        namespace: config.TEMPORAL_NAMESPACE,
        workflowBundle: await productionBundle(),
        activityOverrides: opts.activityOverrides,
      });
      stack.worker = worker;
      running = worker.run();
    },
    async stopWorker() {
      if (!stack.worker) return;
      if (stack.worker.getState() === 'RUNNING') stack.worker.shutdown();
      await running;
      stack.worker = undefined;
    },
    async stop() {
      await stack.stopWorker();
      await api.close();
      await nativeConnection?.close();
      await connection.close();
      await db.end();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}

/**
 * A second API process in all but the OS process: its own Express app, listener and Postgres pool
 * on the stack's database and Temporal, so a test can race two API processes (nothing in memory
 * is shared; only Postgres can make a limit hold across them).
 */
export async function startPeerApi(stack: Stack): Promise<{ url: string; close(): Promise<void> }> {
  const db = createPool(stack.config.DATABASE_URL!, 10);
  const api = await startApi(
    {
      config: stack.config,
      db,
      logger: createLogger(stack.config.LOG_LEVEL, 'test-peer'),
      temporal: stack.client,
      temporalConnection: stack.api.deps.temporalConnection,
    },
    0,
    '127.0.0.1',
  );
  return {
    url: api.url,
    async close() {
      await api.close();
      await db.end();
    },
  };
}
