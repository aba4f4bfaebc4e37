/**
 * The production workflow bundle, built once per state of the sources and reused by every test
 * file after it (webpack takes seconds, and jest gives each file its own module scope). The cache
 * is the worker's own (worker/workflow-bundle.ts: OS temp dir, keyed by a hash of the sources), so
 * a worker started after the tests, or tests after a worker, find it built.
 */
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import fs from 'node:fs';
import { cachedBundleFile, writeBundleFile } from '../../worker/workflow-bundle';

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  log: () => undefined,
};

/** The bundle of the workflows registered at `workflowsPath` (the registration index). */
export async function cachedWorkflowBundle(workflowsPath: string): Promise<WorkflowBundle> {
  const file = cachedBundleFile(workflowsPath);
  if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  writeBundleFile(file, bundle.code);
  return bundle;
}
