import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';

import { WORKFLOWS_PATH } from './workflow-bundle';

export { WORKFLOWS_PATH };

export interface WorkerOptions {
  deps: ActivityDeps;
  connection: NativeConnection;
  taskQueue: string;
  namespace: string;
  /** A pre-built bundle (tests bundle once per file; worker/main.ts loads one built out of process); otherwise workflows are bundled here. */
  workflowBundle?: WorkflowBundleOption;
  /** The workflow cache and its sticky queue (config WORKER_*; docs/MEMORY.md); unset = the SDK's defaults. */
  cache?: { maxCachedWorkflows: number; stickyQueueTimeoutMs: number; reuseV8Context: boolean };
  /** Replace some activities (tests only). */
  activityOverrides?: Record<string, (...args: never[]) => Promise<unknown>>;
}

export function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...createActivities(opts.deps), ...opts.activityOverrides },
    ...(opts.cache
      ? {
          maxCachedWorkflows: opts.cache.maxCachedWorkflows,
          stickyQueueScheduleToStartTimeout: opts.cache.stickyQueueTimeoutMs,
          reuseV8Context: opts.cache.reuseV8Context,
        }
      : {}),
    // In-flight activities get this long to finish on SIGTERM before the worker gives up on them.
    shutdownGraceTime: '30s',
  });
}
