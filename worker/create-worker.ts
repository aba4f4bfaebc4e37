import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerOptions {
  deps: ActivityDeps;
  connection: NativeConnection;
  taskQueue: string;
  namespace: string;
  /** A pre-built bundle (tests bundle once per file; the image's WORKFLOW_BUNDLE_PATH); otherwise workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
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
    // In-flight activities get this long to finish on SIGTERM before the worker gives up on them.
    shutdownGraceTime: '30s',
  });
}
