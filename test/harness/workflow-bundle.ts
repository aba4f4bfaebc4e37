/**
 * The production workflow bundle, built once per state of the sources and reused by every test
 * file after it (webpack takes seconds, and jest gives each file its own module scope). The cache
 * is the worker's own (worker/workflow-bundle.ts: OS temp dir, keyed by a hash of the sources), so
 * a worker started after the tests, or tests after a worker, find it built.
 */
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { cachedBundleFile, writeBundleFile } from '../../worker/workflow-bundle';

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  log: () => undefined,
};

/** The pid in a lock directory; undefined while it is being written or already gone. */
function lockOwner(lock: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds `${file}.lock` while building, so the two jest processes of `npm test` (fast and
 * integration, run side by side) build one bundle between them. A lock whose owner is gone is taken over.
 */
async function withBuildLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = lockOwner(lock);
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      const abandoned = owner === undefined ? age > 60_000 : !isAlive(owner);
      if (abandoned) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The bundle of the workflows registered at `workflowsPath` (the registration index). */
export async function cachedWorkflowBundle(workflowsPath: string): Promise<WorkflowBundle> {
  const file = cachedBundleFile(workflowsPath);
  if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
  return withBuildLock(file, async () => {
    if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    writeBundleFile(file, bundle.code);
    return bundle;
  });
}
