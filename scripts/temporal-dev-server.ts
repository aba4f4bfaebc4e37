/** Starts `temporal server start-dev` (SQLite, WAL) with the platform's search attributes registered. */
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../domain/search-attributes';
import { resolveTemporalCli } from './temporal-servers';

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
}): Promise<RunningTemporal> {
  const cli = await resolveTemporalCli();
  if (!cli.path) {
    throw new Error('No temporal CLI available and no Go toolchain to build it; set TEMPORAL_CLI_PATH.');
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
  // SQLite WAL makes the dev server several times faster.
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES))
    args.push('--search-attribute', `${name}=${type}`);
  // Faster visibility for tests and the UI.
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');

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
