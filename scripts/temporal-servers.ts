/**
 * Finds or builds the two Temporal servers this project runs, without needing the internet:
 *   (a) the `temporal` CLI (dev server), (b) the Java time-skipping test server.
 * Order: env var path → PATH → cached build → build from source (Go / Maven) → the SDK's download.
 * Builds are cached under ~/.cache/agentrent (AGENTRENT_CACHE_DIR) so a second run is instant.
 * Usage as a script: `tsx scripts/temporal-servers.ts` prepares both and prints where they are;
 * with `--cluster` also the Temporal server and SQL tool of `npm run dev:cluster` (resolveTemporalClusterTools),
 * with `--cluster-only` only those (CI builds them niced beside the other builds).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1'; // Temporal Server 1.29.1; later tags cannot be `go install`ed.
export const TEST_SERVER_VERSION = '1.38.0'; // io.temporal:temporal-test-server on Maven Central.

export type ServerSource = 'env' | 'path' | 'cache' | 'built' | 'sdk-download';
export interface ResolvedServer {
  /** Absolute path to an executable, or undefined when the SDK should download its own. */
  path?: string;
  source: ServerSource;
}

export const cacheDir = (): string =>
  process.env.AGENTRENT_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'agentrent');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const hasTool = (cmd: string, args: string[]): boolean =>
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;

/** Runs a long build, echoing a heartbeat so a person (or CI log) sees it is alive. */
function runBuild(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    process.stderr.write(`[temporal-servers] ${label}: ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const beat = setInterval(() => {
      const secs = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`[temporal-servers] ${label}: still building (${secs}s)…\n`);
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(beat);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(beat);
      if (code === 0) {
        process.stderr.write(
          `[temporal-servers] ${label}: done in ${Math.round((Date.now() - started) / 1000)}s\n`,
        );
        resolve();
      } else reject(new Error(`${label} failed (exit ${code}):\n${tail}`));
    });
  });
}

/** Serialises concurrent builds (dev + tests at once) on one lock directory. */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(cacheDir(), `${name}.lock`);
  fs.mkdirSync(cacheDir(), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      if (i % 30 === 0) process.stderr.write(`[temporal-servers] waiting for another build of ${name}…\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export async function resolveTemporalCli(): Promise<ResolvedServer> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  const found = onPath('temporal');
  if (found) return { path: found, source: 'path' };
  const dir = path.join(cacheDir(), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const cached = path.join(dir, 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (hasTool('go', ['version'])) {
    return withLock('temporal-cli', async () => {
      if (isExecutable(cached)) return { path: cached, source: 'cache' as const };
      fs.mkdirSync(dir, { recursive: true });
      await runBuild(
        `building temporal CLI ${TEMPORAL_CLI_VERSION} from source (takes minutes once)`,
        'go',
        ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
        { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
      );
      return { path: cached, source: 'built' as const };
    });
  }
  return { source: 'sdk-download' };
}

/**
 * The Temporal server production runs (and its SQL schema tool), for `npm run dev:cluster` and
 * `npm run test:cluster`; docker-compose.yml runs the same release (compose-cluster-agreement test)
 * and the CLI above embeds it too, so dev, tests and production run one Temporal version. 1.32's
 * `go install` pulls a far larger module graph (Kubernetes, cloud SDKs) that shares little with
 * the CLI's build: on this shared 2-core machine it took 68 minutes, where 1.29.1 after the CLI
 * took 13.5 (both at load averages of 15–45) — too much for a 25-minute CI.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface ResolvedClusterTools {
  server: string;
  sqlTool: string;
  source: ServerSource;
}

/**
 * `temporal-server` and `temporal-sql-tool`, in the CLI's order: TEMPORAL_SERVER_PATH and
 * TEMPORAL_SQL_TOOL_PATH → PATH → cache → `go install` of the pinned server module (minutes, once).
 */
export async function resolveTemporalClusterTools(): Promise<ResolvedClusterTools> {
  const envServer = process.env.TEMPORAL_SERVER_PATH;
  const envSql = process.env.TEMPORAL_SQL_TOOL_PATH;
  if (envServer && envSql) return { server: envServer, sqlTool: envSql, source: 'env' };
  const pathServer = envServer ?? onPath('temporal-server');
  const pathSql = envSql ?? onPath('temporal-sql-tool');
  if (pathServer && pathSql) return { server: pathServer, sqlTool: pathSql, source: 'path' };
  const dir = path.join(cacheDir(), 'temporal-server', TEMPORAL_SERVER_VERSION);
  const cached = { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
  const haveCached = () => isExecutable(cached.server) && isExecutable(cached.sqlTool);
  if (haveCached()) return { ...cached, source: 'cache' };
  if (!hasTool('go', ['version'])) {
    throw new Error(
      `temporal-server ${TEMPORAL_SERVER_VERSION} not found: install Go (builds it once into ${dir}), ` +
        'put temporal-server and temporal-sql-tool on PATH, or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH',
    );
  }
  return withLock('temporal-server', async () => {
    if (haveCached()) return { ...cached, source: 'cache' as const };
    const gobin = path.join(dir, '.gobin');
    fs.mkdirSync(gobin, { recursive: true });
    const mod = 'go.temporal.io/server';
    await runBuild(
      `building temporal-server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool from source (takes minutes once)`,
      'go',
      [
        'install',
        `${mod}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `${mod}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ],
      { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    );
    // `go install` names binaries after their package directory: server, sql.
    fs.renameSync(path.join(gobin, 'sql'), cached.sqlTool);
    fs.renameSync(path.join(gobin, 'server'), cached.server);
    return { ...cached, source: 'built' as const };
  });
}

const TEST_SERVER_POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.agentrent</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.16</version></dependency>
  </dependencies>
</project>
`;

// The SDK starts the executable as `<path> <port> [flags]`, exactly the Java main's arguments.
const TEST_SERVER_WRAPPER = `#!/bin/sh
# Temporal Java test server (time-skipping), started by the TypeScript SDK as: <this> <port> [flags]
here="$(cd "$(dirname "$0")" && pwd)"
exec java -Xss1m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
`;

export async function resolveTestServer(): Promise<ResolvedServer> {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  const found = onPath('temporal-test-server');
  if (found) return { path: found, source: 'path' };
  const dir = path.join(cacheDir(), 'temporal-test-server', TEST_SERVER_VERSION);
  const wrapper = path.join(dir, 'temporal-test-server');
  if (isExecutable(wrapper)) return { path: wrapper, source: 'cache' };
  if (hasTool('java', ['-version']) && hasTool('mvn', ['-v'])) {
    return withLock('temporal-test-server', async () => {
      if (isExecutable(wrapper)) return { path: wrapper, source: 'cache' as const };
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'pom.xml'), TEST_SERVER_POM);
      await runBuild(
        `fetching temporal-test-server ${TEST_SERVER_VERSION} with Maven`,
        'mvn',
        [
          '-q',
          '-B',
          'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
          `-DoutputDirectory=${path.join(dir, 'lib')}`,
          '-DincludeScope=runtime',
        ],
        process.env,
        dir,
      );
      fs.writeFileSync(wrapper, TEST_SERVER_WRAPPER, { mode: 0o755 });
      return { path: wrapper, source: 'built' as const };
    });
  }
  return { source: 'sdk-download' };
}

/** The `server.executable` option for @temporalio/testing environments. */
export function executableOption(server: ResolvedServer) {
  return server.path
    ? ({ type: 'existing-path', path: server.path } as const)
    : ({ type: 'cached-download' } as const);
}

if (require.main === module) {
  (async () => {
    // --cluster-only: just the cluster tools (CI builds them niced, beside the other builds).
    if (process.argv.includes('--cluster-only')) {
      const cluster = await resolveTemporalClusterTools();
      console.log(`temporal-server: ${cluster.server} [${cluster.source}]`);
      console.log(`temporal-sql-tool: ${cluster.sqlTool} [${cluster.source}]`);
      return;
    }
    const cli = await resolveTemporalCli();
    console.log(`temporal CLI: ${cli.path ?? '(SDK download at first use)'} [${cli.source}]`);
    const ts = await resolveTestServer();
    console.log(`temporal test server: ${ts.path ?? '(SDK download at first use)'} [${ts.source}]`);
    if (process.argv.includes('--cluster')) {
      const cluster = await resolveTemporalClusterTools();
      console.log(`temporal-server: ${cluster.server} [${cluster.source}]`);
      console.log(`temporal-sql-tool: ${cluster.sqlTool} [${cluster.source}]`);
    }
  })().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
