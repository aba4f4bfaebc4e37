/**
 * The worker's metrics registry (worker/metrics.ts): every metric it exposes is documented in
 * docs/OPERATIONS.md, and a gauge read that fails or hangs does not break the scrape — it sets
 * agentrent_worker_metric_read_failed for that gauge. No Postgres here: the database URL points
 * at a closed port and the chain at a server that never answers.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { utils } from 'tronweb';
import { loadConfig } from '../../worker/config';
import { createPool } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import { freePort } from '../harness/free-port';
import { createWorkerMetrics, READ_TIMEOUT_MS, startMetricsServer } from '../../worker/metrics';

const OPERATIONS_DOC = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'OPERATIONS.md'), 'utf8');

describe('worker metrics registry', () => {
  let silentChain: net.Server;
  let chainPort: number;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: a TRON node that hangs.
    silentChain = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silentChain.listen(0, '127.0.0.1', r));
    chainPort = (silentChain.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silentChain.close(r));
  });

  async function metricsWith(databaseUrl: string) {
    const config = loadConfig({
      JWT_SECRET: 'unit-jwt-secret-0123456789abcdef0123456789',
      TRON_FULL_HOST: `http://127.0.0.1:${chainPort}`,
      TRON_USDT_CONTRACT: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      TRON_HOT_WALLET_PRIVATE_KEY: utils.accounts.generateAccount().privateKey,
    });
    const db = createPool(databaseUrl, 1);
    return { db, metrics: createWorkerMetrics({ config, db, logger: createLogger('silent') }) };
  }

  it('documents in docs/OPERATIONS.md every metric name the registry exposes', async () => {
    const { db, metrics } = await metricsWith('postgres://nobody@127.0.0.1:1/none');
    const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(names.filter((n) => !OPERATIONS_DOC.includes(`\`${n}\``))).toEqual([]);
    await db.end();
  });

  it('answers a scrape whose reads fail or hang, with each failed read marked', async () => {
    const closedPort = await freePort();
    const { db, metrics } = await metricsWith(`postgres://nobody@127.0.0.1:${closedPort}/none`);
    const server = await startMetricsServer(metrics.registry, 0, '127.0.0.1');
    try {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      const text = await res.text();
      expect(res.status).toBe(200);
      // The hanging chain is cut at the read timeout, not at the node client's own 10 s.
      expect(Date.now() - started).toBeLessThan(READ_TIMEOUT_MS + 1_500);
      for (const gauge of [
        'agentrent_withdrawals',
        'agentrent_withdrawal_reviews_waiting',
        'agentrent_webhook_endpoints_disabled',
        'agentrent_hot_wallet_trx_sun',
        'agentrent_hot_wallet_usdt_micro_usdt',
        'agentrent_deposit_watcher_lag_blocks',
      ]) {
        expect(text).toContain(`agentrent_worker_metric_read_failed{gauge="${gauge}"} 1`);
      }
      expect(text).toContain('# HELP agentrent_deposits_credited_total');
    } finally {
      await server.close();
      await db.end();
    }
  });

  it('answers 404 for anything but GET /metrics', async () => {
    const { db, metrics } = await metricsWith('postgres://nobody@127.0.0.1:1/none');
    const server = await startMetricsServer(metrics.registry, 0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.close();
      await db.end();
    }
  });
});
