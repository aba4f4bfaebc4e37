/**
 * The production workflows and activities on a fresh time-skipping server, against the real
 * Postgres of this run: what workflow lifecycle tests share (one per test file).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { ApiDeps } from '../../api/deps';
import type { Config } from '../../domain/config';
import { createPool, type Db } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import { productionBundle, testConfig } from './stack';
import { createTimeSkippingEnv, registerSearchAttributes } from './time-skipping';

export interface TimeSkippingWorker {
  env: TestWorkflowEnvironment;
  config: Config;
  db: Db;
  /** API dependencies over the test server, to drive the same use-cases as the REST API. */
  deps: ApiDeps;
  /** Shuts the worker down, then closes the pool and the test server. */
  stop(): Promise<void>;
}

export async function startTimeSkippingWorker(
  overrides: Partial<Record<keyof Config, string>> = {},
): Promise<TimeSkippingWorker> {
  const env = await createTimeSkippingEnv();
  const config = testConfig(overrides);
  const db = createPool(config.DATABASE_URL!, 10);
  try {
    await registerSearchAttributes(env);
    const logger = createLogger('silent', 'test');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: await productionBundle(),
      activities: createActivities({ config, db, logger, temporal: env.client }),
    });
    const running = worker.run();
    return {
      env,
      config,
      db,
      deps: { config, db, logger, temporal: env.client, temporalConnection: env.connection },
      async stop() {
        worker.shutdown();
        await running;
        await db.end();
        await env.teardown();
      },
    };
  } catch (err) {
    await db.end();
    await env.teardown();
    throw err;
  }
}
