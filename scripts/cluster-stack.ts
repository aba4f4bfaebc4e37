/**
 * The platform on a real Temporal cluster, as production runs it: embedded Postgres (the app's
 * database plus Temporal's own `temporal` and `temporal_visibility`), the Temporal server built
 * from its Go module (scripts/temporal-cluster.ts), devchain, two worker processes and two API
 * processes (PORT and PORT + 1). Each process gets only the secrets its role needs, under the
 * same names docker-compose.yml gives it: the API derives deposit addresses from the xpub and
 * never sees the mnemonic or the hot-wallet key; only workers hold the hot-wallet key.
 * Workers and APIs are supervised (scripts/cluster-supervisor.ts): one that dies is started again
 * while the others keep serving. Postgres, Temporal and devchain dying ends the stack (`crashed`).
 * Used by `npm run dev:cluster` (scripts/dev-cluster.ts) and `npm run test:cluster`.
 */
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../worker/config';
import { depositXpubOfMnemonic } from '../services/tron-address';
import { log, spawnTsChild, waitFor, waitForLine } from './dev-children';
import { type Restart, type Supervised, type SuperviseOptions, supervise } from './cluster-supervisor';
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
  /**
   * Aborting stops the start-up: what has started is stopped and the promise rejects. A server
   * being started (Postgres, Temporal) finishes starting first, so that it is stopped too.
   */
  signal?: AbortSignal;
}

export interface ClusterStack {
  apiUrls: [string, string];
  /** worker-1, worker-2: each the process running now and its restarts. */
  workers: Supervised[];
  /** api-1 (apiUrls[0]), api-2 (apiUrls[1]). */
  apis: Supervised[];
  temporalAddress: string;
  databaseUrl: string;
  devchainUrl: string;
  namespace: string;
  /** The environment the workers run with. */
  workerEnv: NodeJS.ProcessEnv;
  /** Called after each restart of a worker or API, once the new process is ready. */
  onRestart(listener: (restart: Restart) => void): void;
  /** Resolves with a description when Postgres, Temporal or devchain stops on its own. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

const HOT_WALLET_FUNDS = { trx: 100_000, usdt: 1_000_000 };

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
  const checkpoint = () => {
    if (opts.signal?.aborted) throw new Error('start-up interrupted');
  };
  const aborted = new Promise<never>((_resolve, reject) =>
    opts.signal?.addEventListener('abort', () => reject(new Error('start-up interrupted')), { once: true }),
  );
  aborted.catch(() => undefined);
  try {
    checkpoint();
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
    checkpoint();
    await migrate(pg.url, () => undefined);
    checkpoint();

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
      // Once the stack is stopping, the server's shutdown chatter (its peers already gone: "Not
      // enough hosts", dial errors) says nothing about the run and buries what came before it.
      onLine: (line) => {
        if (!stopping) log('temporal', line);
      },
    });
    stops.push({ name: 'temporal', stop: () => temporal.stop() });
    checkpoint();
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
    checkpoint();

    const restartListeners: Array<(restart: Restart) => void> = [];
    const supervised = (
      name: string,
      spawn: SuperviseOptions['spawn'],
      whenReady: SuperviseOptions['whenReady'],
      graceMs: number,
    ) => {
      const s = supervise({
        name,
        spawn,
        whenReady,
        stopChild: (child) => child.stop(graceMs),
        log: (message) => log('dev', message),
      });
      stops.push({ name, stop: () => s.stop() });
      const relay = (): void =>
        void s.nextRestart().then((restart) => {
          for (const listener of restartListeners) listener(restart);
          relay();
        });
      relay();
      return s;
    };

    const workerEnv = roleEnv('worker', env);
    const worker = (name: string, metricsPort: number) =>
      supervised(
        name,
        () =>
          spawnTsChild(name, 'worker/main.ts', {
            ...workerEnv,
            METRICS_PORT: String(metricsPort),
            // Two workers on one host: business metrics would collide on one default port.
            WORKER_METRICS_PORT: '0',
          }),
        // "worker running" is logged at info; the SDK's state line now comes through pino too
        // (worker/runtime.ts), so a LOG_LEVEL above info shows neither.
        (child) => waitForLine(child, 'worker running', '"state":"RUNNING"'),
        35_000,
      );
    const workers = [worker('worker-1', opts.metricsPorts[0]), worker('worker-2', opts.metricsPorts[1])];
    // Children are registered in `stops` already: an abort can stop waiting for them at once.
    await Promise.race([Promise.all(workers.map((w) => w.ready)), aborted]);

    const apiEnv = roleEnv('api', env);
    const apiUrls: [string, string] = [`http://127.0.0.1:${opts.port}`, `http://127.0.0.1:${opts.port + 1}`];
    const apis = apiUrls.map((apiUrl, i) => {
      const name = `api-${i + 1}`;
      return supervised(
        name,
        // Two APIs on one host: their metrics listeners would collide on one default port.
        () =>
          spawnTsChild(name, 'api/server.ts', {
            ...apiEnv,
            PORT: String(opts.port + i),
            API_METRICS_PORT: '0',
          }),
        (child) => waitFor(name, async () => (await fetch(`${apiUrl}/health`)).status === 200, child.exited),
        10_000,
      );
    });
    await Promise.race([Promise.all(apis.map((a) => a.ready)), aborted]);
    return {
      apiUrls,
      workers,
      apis,
      temporalAddress: temporal.address,
      databaseUrl: pg.url,
      devchainUrl,
      namespace,
      workerEnv,
      onRestart: (listener) => restartListeners.push(listener),
      crashed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
