/**
 * The soak's real stack, every part restartable: an embedded Postgres and a Temporal dev server
 * that keep their data across restarts (fixed ports, files in a temp dir), devchain, one API
 * process and several worker processes. `chaos` kills and restarts parts while the load runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ManagedChild, spawnTsChild } from '../scripts/dev-children';
import { hotWalletAddress, loadDevSecrets } from '../scripts/dev-secrets';
import { migrate } from '../scripts/migrate';
import { type RunningPostgres, startEmbeddedPostgres } from '../scripts/postgres';
import { type RunningTemporal, startTemporalDevServer } from '../scripts/temporal-dev-server';
import { freePort } from './common';

/**
 * Settings that let a short load run exercise every lifecycle: fast chain confirmations, limits
 * out of the way, review only above 100 USDT, 20 s review windows. Shared by the soak and the
 * cluster acceptance run.
 */
export const SOAK_LOAD_ENV = {
  TRON_CONFIRMATIONS: '3',
  TRON_POLL_INTERVAL_MS: '500',
  ALLOW_PRIVATE_WEBHOOKS: 'true',
  RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000',
  RATE_LIMIT_PER_KEY_PER_MINUTE: '100000',
  WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
  WITHDRAWAL_REVIEW_ABOVE_USD: '100',
  WITHDRAWAL_FUNDS_RETRY_SECONDS: '2',
  WITHDRAWAL_REVIEW_VELOCITY_PER_24H: '1000000',
  TASK_REVIEW_WINDOW_SECONDS: '20',
} as const;

export interface SoakStack {
  apiUrl: string;
  databaseUrl: string;
  adminKey: string;
  devchainUrl: string;
  usdtContract: string;
  hotWallet: string;
  /** SIGKILLs worker `i` and starts a new one in its place (without waiting for it to poll). */
  killWorker(i: number): Promise<void>;
  restartPostgres(): Promise<void>;
  restartTemporal(): Promise<void>;
  workerCount: number;
  /** The process id of worker `i` as running now (benches sample its memory). */
  workerPid(i: number): number | undefined;
  /** Where the stack's files are: Postgres, temporal.db, and each process's log under logs/. */
  dir: string;
  temporalAddress: string;
  /** Stops every part; `keep` leaves the files for a look (the soak keeps them on a fault). */
  stop(opts?: { keep?: boolean }): Promise<void>;
}

const quiet = process.env.SOAK_VERBOSE ? undefined : () => undefined;

function waitForLine(child: ManagedChild, needle: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${child.name}: no "${needle}" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.onLine((line) => {
      if (line.includes(needle)) {
        clearTimeout(timer);
        resolve();
      }
    });
    // Its last words say why (the soak drops child output otherwise).
    const last: string[] = [];
    child.onLine((line) => {
      if (line.trim()) last.push(line);
      if (last.length > 20) last.shift();
    });
    void child.exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited before it was ready (${how}):\n${last.join('\n')}`));
    });
  });
}

/**
 * Child output is dropped from the console unless SOAK_VERBOSE is set (the soak prints its own
 * figures); every line also goes to `<logDir>/<name>.log`, kept when the soak finds a fault.
 */
function spawnQuiet(name: string, script: string, env: NodeJS.ProcessEnv, logDir?: string): ManagedChild {
  const child = spawnTsChild(name, script, env);
  if (quiet) {
    child.process.stdout?.removeAllListeners('data');
    child.process.stderr?.removeAllListeners('data');
    const lines = (chunk: Buffer) => chunk.toString().split('\n');
    const listeners: Array<(l: string) => void> = [];
    child.onLine = (l) => listeners.push(l);
    child.process.stdout?.on('data', (c: Buffer) => lines(c).forEach((l) => listeners.forEach((f) => f(l))));
    child.process.stderr?.on('data', (c: Buffer) => lines(c).forEach((l) => listeners.forEach((f) => f(l))));
  }
  if (logDir) {
    const file = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    child.onLine((line) => file.write(`${line}\n`));
    void child.exited.then((how) => file.end(`-- exited: ${how}\n`));
  }
  return child;
}

export async function startSoakStack(opts: {
  workers: number;
  extraEnv?: Record<string, string>;
}): Promise<SoakStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-soak-'));
  fs.chmodSync(dir, 0o777);
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir);
  const [pgPort, temporalPort, apiPort, chainPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const { secrets } = loadDevSecrets(path.join(dir, 'secrets.json'), {});

  let pg: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  let devchain: ManagedChild | undefined;
  let api: ManagedChild | undefined;
  const workers: ManagedChild[] = [];
  /** Stops whatever was started, newest first; the files stay when `keep` (a fault to look into). */
  const stopAll = async (keep = false) => {
    for (const w of workers) await w.stop(5_000).catch(() => undefined);
    await api?.stop(5_000).catch(() => undefined);
    await devchain?.stop(5_000).catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };

  const startPg = () =>
    startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, persistent: true });
  const startTemporal = () =>
    startTemporalDevServer({ port: temporalPort, headless: true, dbFile: path.join(dir, 'temporal.db') });
  // Worker logs carry "worker running" at info level: read readiness from them, print nothing.
  const startWorker = (i: number, env: NodeJS.ProcessEnv): Promise<void> => {
    workers[i] = spawnQuiet(`worker${i}`, 'worker/main.ts', { ...env, LOG_LEVEL: 'info' }, logDir);
    const ready = waitForLine(workers[i], 'worker running');
    ready.catch(() => undefined);
    return ready;
  };

  try {
    pg = await startPg();
    await migrate(pg.url, () => undefined);
    temporal = await startTemporal();

    devchain = spawnQuiet(
      'devchain',
      'devchain/main.ts',
      {
        ...process.env,
        DEVCHAIN_PORT: String(chainPort),
        DEVCHAIN_BLOCK_INTERVAL_MS: process.env.SOAK_BLOCK_MS ?? '500',
        DEVCHAIN_SOLIDITY_LAG: '3',
      },
      logDir,
    );
    await waitForLine(devchain, 'devchain listening');
    const devchainUrl = `http://127.0.0.1:${chainPort}`;
    const info = (await (await fetch(`${devchainUrl}/admin/info`)).json()) as { usdtContract: string };
    const hotWallet = hotWalletAddress(secrets.TRON_HOT_WALLET_PRIVATE_KEY);
    await fetch(`${devchainUrl}/admin/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: hotWallet, trx: 1_000_000, usdt: 10_000_000 }),
    });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.SOAK_VERBOSE ? 'info' : 'warn',
      ...secrets,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'agentrent-soak',
      TRON_FULL_HOST: devchainUrl,
      TRON_USDT_CONTRACT: info.usdtContract,
      PORT: String(apiPort),
      METRICS_PORT: '0',
      WORKER_METRICS_PORT: '0',
      // Not the default port: the soak runs beside the integration lane's processes.
      API_METRICS_PORT: '0',
      ...SOAK_LOAD_ENV,
      ...opts.extraEnv,
    };
    api = spawnQuiet('api', 'api/server.ts', { ...env, LOG_LEVEL: 'info' }, logDir);
    await waitForLine(api, 'api listening');
    for (let i = 0; i < opts.workers; i++) await startWorker(i, env);

    const databaseUrl = pg.url;
    const temporalAddress = temporal.address;
    return {
      apiUrl: `http://127.0.0.1:${apiPort}`,
      databaseUrl,
      temporalAddress,
      adminKey: secrets.ADMIN_API_KEY,
      devchainUrl,
      usdtContract: info.usdtContract,
      hotWallet,
      workerCount: opts.workers,
      dir,
      workerPid: (i) => workers[i]?.process.pid,
      async killWorker(i) {
        const w = workers[i];
        w.process.kill('SIGKILL');
        await w.exited;
        void startWorker(i, env);
      },
      async restartPostgres() {
        await pg?.stop();
        pg = await startPg();
      },
      async restartTemporal() {
        temporal?.process?.kill('SIGKILL');
        await temporal?.stop();
        temporal = await startTemporal();
      },
      stop: (stopOpts) => stopAll(stopOpts?.keep),
    };
  } catch (err) {
    // A part that did not start must not leave the others running (they hold ports and files).
    await stopAll();
    throw err;
  }
}
