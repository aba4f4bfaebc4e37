/**
 * The workflow bundle a worker loads when no prebuilt one is configured (WORKFLOW_BUNDLE_PATH).
 *
 * Bundling means webpack, and webpack run inside the worker leaves ~150 MiB of heap and native
 * memory in the worker for good (docs/MEMORY.md). So the worker never bundles itself: a
 * short-lived child process (scripts/build-workflow-bundle.ts) writes the bundle to a file that
 * the worker then loads. The file is cached in the OS temp dir under a hash of the checkout's
 * path, every source file outside test/ and node_modules, and package-lock.json — any change to
 * what the bundle could contain builds a new one; a restart with the same sources reuses it.
 * The test harness shares the cache (test/harness/workflow-bundle.ts).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
/** The workflows' registration index, the entry point of every bundle. */
export const WORKFLOWS_PATH = require.resolve('../workflows');
const SKIP = new Set(['node_modules', 'test', '.git', 'dist', 'coverage']);

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

/** Where the bundle of the workflows registered at `workflowsPath`, as the sources are now, is cached. */
export function cachedBundleFile(workflowsPath: string): string {
  return path.join(os.tmpdir(), `agentrent-workflows-${sourceHash(workflowsPath)}.js`);
}

/** Writes `code` to `file` aside and renames it: a concurrent reader never sees half a bundle. */
export function writeBundleFile(file: string, code: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  fs.writeFileSync(partial, code);
  fs.renameSync(partial, file);
}

/**
 * The path of a bundle of the workflows at `workflowsPath`: the cached one, else one built now by
 * a child process (its output is passed on only when it fails).
 */
export async function bundleOutOfProcess(workflowsPath: string): Promise<string> {
  const file = cachedBundleFile(workflowsPath);
  if (fs.existsSync(file)) return file;
  // From sources (tsx) the child needs the loader; from dist/ it is plain JS.
  const fromSources = __filename.endsWith('.ts');
  const script = path.join(ROOT, 'scripts', `build-workflow-bundle.${fromSources ? 'ts' : 'js'}`);
  const args = [...(fromSources ? ['--import', 'tsx'] : []), script, file];
  const output: Buffer[] = [];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => output.push(b));
  child.stderr.on('data', (b: Buffer) => output.push(b));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !fs.existsSync(file))
    throw new Error(`bundling the workflows failed (exit ${code}): ${Buffer.concat(output).toString()}`);
  return file;
}
