/**
 * The platform on a real Temporal cluster, as production runs it: embedded Postgres (the app's
 * database plus Temporal's own `temporal` and `temporal_visibility`), the Temporal server built
 * from its Go module (scripts/temporal-cluster.ts), devchain, two worker processes and two API
 * processes (PORT and PORT + 1). Each process gets only the secrets its role needs, under the
 * same names docker-compose.yml gives it: the API derives deposit addresses from the xpub and
 * never sees the mnemonic or the hot-wallet key; only workers hold the hot-wallet key.
 * Used by `npm run dev:cluster` (scripts/dev-cluster.ts) and `npm run test:cluster`.
 */
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../worker/config';
import { depositXpubOfMnemonic } from '../services/tron-address';
import { log, spawnTsChild, waitFor, type ManagedChild } from './dev-children';
import { hotWalletAddress } from './dev-secrets';
import { migrate } from './migrate';
import { startEmbeddedPostgres } from './postgres';
import { roleEnv } from './cluster-roles';
import { type ClusterPorts, startTemporalCluster } from './temporal-cluster';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A free port below 32768: Temporal stores membership ports in a smallint column. */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface ClusterStackOptions {
  dataDir: string;
  /** Keep the Postgres data between runs (dev) or start from an empty directory (tests). */
  persistent: boolean;
  /** Environment with the secrets (ADMIN_API_KEY, JWT_SECRET, TRON_DEPOSIT_MNEMONIC, TRON_HOT_WALLET_PRIVATE_KEY). */
  env: NodeJS.ProcessEnv;
  /** The first API's port; the second listens on port + 1. */
  port: number;
  postgresPort: number;
  devchainPort: number;
  /** Worker metrics on these ports (0 = off). */
  metricsPorts: [number, number];
  /** Extra environment for the devchain (e.g. DEVCHAIN_BLOCK_INTERVAL_MS). */
  devchainEnv?: NodeJS.ProcessEnv;
}

export interface ClusterStack {
  apiUrls: [string, string];
  workers: ManagedChild[];
  temporalAddress: string;
  databaseUrl: string;
  devchainUrl: string;
  namespace: string;
  /** The environment the workers run with (for starting another worker). */
  workerEnv: NodeJS.ProcessEnv;
  startWorker(name: string): Promise<ManagedChild>;
  /** Resolves with a description when any process of the stack stops on its own. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

const HOT_WALLET_FUNDS = { trx: 100_000, usdt: 1_000_000 };

/** Resolves at the first line containing any of `texts`. */
function waitForLine(child: ManagedChild, ...texts: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.onLine((line) => {
      if (texts.some((text) => line.includes(text))) resolve();
    });
    void child.exited.then((how) => reject(new Error(`${child.name} exited before it was ready (${how})`)));
  });
}

export async function startClusterStack(opts: ClusterStackOptions): Promise<ClusterStack> {
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopping = false;
  let reportCrash: (why: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));
  const watch = (name: string, exited: Promise<string>) =>
    void exited.then((how) => {
      if (!stopping) reportCrash(`${name} stopped unexpectedly (${how})`);
    });
  const stop = async () => {
    stopping = true;
    for (const part of [...stops].reverse()) {
      await part.stop().catch((err: unknown) => log('dev', `${part.name}: ${String(err)}`));
    }
  };
  try {
    const env: NodeJS.ProcessEnv = { ...opts.env };
    env.NODE_ENV ||= 'development';
    env.ALLOW_PRIVATE_WEBHOOKS ||= 'true';

    log('postgres', `starting embedded Postgres on :${opts.postgresPort}`);
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(opts.dataDir, 'postgres'),
      port: opts.postgresPort,
      persistent: opts.persistent,
    });
    stops.push({ name: 'postgres', stop: () => pg.stop() });
    if (pg.exited) watch('postgres', pg.exited);
    env.DATABASE_URL = pg.url;
    await migrate(pg.url, () => undefined);

    const ports: ClusterPorts = {
      frontend: await freePort(),
      history: await freePort(),
      matching: await freePort(),
      worker: await freePort(),
      membership: [await freeLowPort(), await freeLowPort(), await freeLowPort(), await freeLowPort()],
    };
    const namespace = env.TEMPORAL_NAMESPACE || 'default';
    log('temporal', 'Temporal schema (temporal-sql-tool), then temporal-server…');
    const url = new URL(pg.url);
    const temporal = await startTemporalCluster({
      dir: path.join(opts.dataDir, 'temporal-cluster'),
      db: { host: url.hostname, port: Number(url.port), user: url.username, password: url.password },
      ports,
      namespace,
      onLine: (line) => log('temporal', line),
    });
    stops.push({ name: 'temporal', stop: () => temporal.stop() });
    watch('temporal', temporal.exited);
    env.TEMPORAL_ADDRESS = temporal.address;
    env.TEMPORAL_NAMESPACE = namespace;

    const devchainUrl = `http://127.0.0.1:${opts.devchainPort}`;
    env.TRON_FULL_HOST = devchainUrl;
    const devchain = spawnTsChild('devchain', 'devchain/main.ts', {
      ...env,
      ...opts.devchainEnv,
      DEVCHAIN_PORT: String(opts.devchainPort),
      DEVCHAIN_HOST: '127.0.0.1',
    });
    stops.push({ name: 'devchain', stop: () => devchain.stop(5_000) });
    watch('devchain', devchain.exited);
    let info: { usdtContract?: string } = {};
    await waitFor(
      'devchain',
      async () => {
        const res = await fetch(`${devchainUrl}/admin/info`);
        if (res.ok) info = (await res.json()) as { usdtContract?: string };
        return res.ok;
      },
      devchain.exited,
    );
    if (!info.usdtContract) throw new Error('devchain /admin/info did not name the USDT contract');
    env.TRON_USDT_CONTRACT = info.usdtContract;
    const hotWallet = hotWalletAddress(env.TRON_HOT_WALLET_PRIVATE_KEY!);
    const mint = await fetch(`${devchainUrl}/admin/mint`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ address: hotWallet, ...HOT_WALLET_FUNDS }),
    });
    if (!mint.ok) throw new Error(`devchain refused to fund the hot wallet: ${await mint.text()}`);
    // Production hands out the xpub, not the mnemonic: so does the cluster.
    if (env.TRON_DEPOSIT_MNEMONIC && !env.TRON_DEPOSIT_XPUB) {
      env.TRON_DEPOSIT_XPUB = depositXpubOfMnemonic(env.TRON_DEPOSIT_MNEMONIC);
    }
    loadConfig(env); // fail here, with every problem named, rather than in four children

    const workerEnv = roleEnv('worker', env);
    const startWorker = async (name: string, metricsPort = 0) => {
      const worker = spawnTsChild(name, 'worker/main.ts', {
        ...workerEnv,
        METRICS_PORT: String(metricsPort),
        // Two workers on one host: business metrics would collide on one default port.
        WORKER_METRICS_PORT: '0',
      });
      stops.push({ name, stop: () => worker.stop() });
      // "worker running" is logged at info; the SDK's state line now comes through pino too
      // (worker/runtime.ts), so a LOG_LEVEL above info shows neither.
      const ready = waitForLine(worker, 'worker running', '"state":"RUNNING"');
      await ready;
      return worker;
    };
    const workers = await Promise.all([
      startWorker('worker-1', opts.metricsPorts[0]),
      startWorker('worker-2', opts.metricsPorts[1]),
    ]);
    for (const w of workers) watch(w.name, w.exited);

    const apiEnv = roleEnv('api', env);
    const apiUrls: [string, string] = [`http://127.0.0.1:${opts.port}`, `http://127.0.0.1:${opts.port + 1}`];
    await Promise.all(
      apiUrls.map(async (apiUrl, i) => {
        const name = `api-${i + 1}`;
        const api = spawnTsChild(name, 'api/server.ts', { ...apiEnv, PORT: String(opts.port + i) });
        stops.push({ name, stop: () => api.stop(10_000) });
        watch(name, api.exited);
        await waitFor(name, async () => (await fetch(`${apiUrl}/health`)).status === 200, api.exited);
      }),
    );
    return {
      apiUrls,
      workers,
      temporalAddress: temporal.address,
      databaseUrl: pg.url,
      devchainUrl,
      namespace,
      workerEnv,
      startWorker: (name) => startWorker(name),
      crashed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
