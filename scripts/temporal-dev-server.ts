/** Starts `temporal server start-dev` (SQLite, WAL) with the platform's search attributes registered. */
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SA, SEARCH_ATTRIBUTE_CLI_TYPES } from '../domain/search-attributes';
import { cacheDir, resolveTemporalCli } from './temporal-servers';

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  /** The server process when we spawned it; absent when the SDK runs a downloaded CLI for us. */
  process?: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
}

// SQLite WAL makes the dev server several times faster; updates are needed by the API.
const SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=WAL',
  '--sqlite-pragma',
  'synchronous=NORMAL',
  '--dynamic-config-value',
  'frontend.enableUpdateWorkflowExecution=true',
];

type SdkExecutable =
  { type: 'cached-download'; downloadDir: string } | { type: 'existing-path'; path: string };

/**
 * The last step of the resolution order: no CLI found and none buildable, so the SDK downloads
 * the CLI (into the cache dir) and runs the dev server itself. Needs the internet once.
 */
export async function startThroughSdk(
  opts: DevServerOptions,
  executable: SdkExecutable = { type: 'cached-download', downloadDir: path.join(cacheDir(), 'sdk-download') },
): Promise<RunningTemporal> {
  const headless = opts.headless || opts.uiPort === undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: '127.0.0.1',
      port: opts.port,
      ui: !headless,
      uiPort: headless ? undefined : opts.uiPort,
      dbFilename: opts.dbFile,
      namespace: opts.namespace ?? 'default',
      searchAttributes: Object.values(SA),
      log: { format: 'pretty', level: 'error' },
      extraArgs: SERVER_TUNING,
    },
  });
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: headless ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    stop: () => env.teardown(),
  };
}

export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  const cli = await resolveTemporalCli();
  if (!cli.path) {
    process.stderr.write('[temporal-servers] no temporal CLI and no Go: the SDK downloads one (once)\n');
    return startThroughSdk(opts);
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--log-level',
    'error',
  ];
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  args.push(...SERVER_TUNING);
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES))
    args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited (${child.exitCode}): ${stderr}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not come up on ${address}: ${stderr}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: opts.headless || opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
