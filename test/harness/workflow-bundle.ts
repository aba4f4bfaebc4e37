/**
 * The production workflow bundle, built once per state of the sources and reused by every test
 * file after it (webpack takes seconds, and jest gives each file its own module scope). Cached in
 * the OS temp dir under a hash of the checkout's path, every source file outside test/ and
 * node_modules, and package-lock.json: any change to what the bundle could contain rebuilds it.
 */
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'test', '.git', 'dist', 'coverage']);

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  log: () => undefined,
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) sourceFiles(full, out);
    } else if (/\.(ts|js|mjs|cjs|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

function sourceHash(workflowsPath: string): string {
  const hash = createHash('sha256').update(ROOT).update('\0').update(workflowsPath);
  for (const file of sourceFiles(ROOT))
    hash.update('\0').update(file).update('\0').update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 24);
}

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
  const file = path.join(os.tmpdir(), `agentrent-workflows-${sourceHash(workflowsPath)}.js`);
  if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
  return withBuildLock(file, async () => {
    if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    // Written aside and renamed: a concurrent run never reads half a bundle.
    const partial = `${file}.${randomUUID()}.partial`;
    fs.writeFileSync(partial, bundle.code);
    fs.renameSync(partial, file);
    return bundle;
  });
}
