/**
 * The worker's business metrics for Prometheus, served on WORKER_METRICS_PORT (the Temporal SDK's
 * own metrics stay on METRICS_PORT, served by Core). Counters are incremented by the activities
 * (activities/metrics.ts); gauges are read at scrape time, one bounded read each. A read that
 * fails or times out keeps its gauge's last value and sets agentrent_worker_metric_read_failed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { BUSINESS_COUNTERS, countLedgerPostings } from '../activities/metrics';
import { TronNode } from '../services/tron-node';
import {
  depositWatcherCursor,
  disabledWebhookEndpoints,
  OPEN_WITHDRAWAL_STATUSES,
  openWithdrawalsByStatus,
  reviewsWaiting,
} from '../db/metrics';
import type { Config } from '../domain/config';
import type { Queryable } from '../db/pool';
import type { Logger } from './logger';
import { addressOfPrivateKey } from '../services/tron-address';

/** How long one gauge read may take before the scrape goes on without it. */
export const READ_TIMEOUT_MS = 2_000;

export interface WorkerMetricsDeps {
  config: Config;
  /** A small pool of its own with a statement timeout (main.ts), so a slow read never starves activities. */
  db: Queryable;
  logger: Pick<Logger, 'warn'>;
}

export interface WorkerMetrics {
  registry: client.Registry;
  /** Reads every gauge now (what a scrape does first). */
  refresh(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createWorkerMetrics(deps: WorkerMetricsDeps): WorkerMetrics {
  const { config, db, logger } = deps;
  const registry = new client.Registry();
  for (const counter of BUSINESS_COUNTERS) registry.registerMetric(counter);
  countLedgerPostings();

  // Every gauge's collect() awaits the same round of reads, so the error gauge is never read
  // before the reads it reports on have finished.
  // registry.metrics() starts every get() in one go, so one scrape's collects share this round;
  // the next scrape reads afresh.
  let inFlight: Promise<void> | undefined;
  const collect = async (): Promise<void> => {
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
    await inFlight;
  };
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new client.Gauge({ name, help, labelNames, registers: [registry], collect });

  const withdrawals = gauge(
    'agentrent_withdrawals',
    'Withdrawals in each open status (queued, review, waiting_funds, broadcast)',
    ['status'],
  );
  const reviews = gauge(
    'agentrent_withdrawal_reviews_waiting',
    'Withdrawals waiting for an operator decision',
  );
  const oldestReview = gauge(
    'agentrent_withdrawal_review_oldest_seconds',
    'How long the oldest withdrawal in review has waited, seconds (0 when none)',
  );
  const hotTrx = gauge('agentrent_hot_wallet_trx_sun', 'TRX held by the hot wallet, sun');
  const hotUsdt = gauge('agentrent_hot_wallet_usdt_micro_usdt', 'USDT held by the hot wallet, micro-USDT');
  const lagBlocks = gauge(
    'agentrent_deposit_watcher_lag_blocks',
    'Blocks between the chain head and the last block the deposit watcher scanned',
  );
  const lagSeconds = gauge(
    'agentrent_deposit_watcher_lag_seconds',
    'While the deposit watcher is behind the head: seconds since its cursor last moved (0 when caught up)',
  );
  const disabled = gauge(
    'agentrent_webhook_endpoints_disabled',
    'Accounts whose webhook endpoint is disabled for failing 24 hours',
  );
  const failed = gauge(
    'agentrent_worker_metric_read_failed',
    '1 when the last read behind this gauge failed or timed out (the gauge keeps its previous value)',
    ['gauge'],
  );

  const node = config.TRON_USDT_CONTRACT ? new TronNode(config) : undefined;
  const hotWallet = config.TRON_HOT_WALLET_PRIVATE_KEY
    ? addressOfPrivateKey(config.TRON_HOT_WALLET_PRIVATE_KEY)
    : undefined;

  /** name → one read that sets its gauges; reads without configuration (no chain) are left out. */
  const reads: Record<string, () => Promise<void>> = {
    agentrent_withdrawals: async () => {
      const byStatus = await openWithdrawalsByStatus(db);
      for (const status of OPEN_WITHDRAWAL_STATUSES) withdrawals.set({ status }, byStatus[status]);
    },
    agentrent_withdrawal_reviews_waiting: async () => {
      const r = await reviewsWaiting(db);
      reviews.set(r.count);
      oldestReview.set(Math.round(r.oldestSeconds));
    },
    agentrent_webhook_endpoints_disabled: async () => disabled.set(await disabledWebhookEndpoints(db)),
  };
  if (node && hotWallet) {
    reads.agentrent_hot_wallet_trx_sun = async () => hotTrx.set(await node.trxBalanceSun(hotWallet));
    reads.agentrent_hot_wallet_usdt_micro_usdt = async () =>
      // USDT has 6 decimals: token units are micro-USDT.
      hotUsdt.set(Number(await node.tokenBalance(config.TRON_USDT_CONTRACT!, hotWallet)));
  }
  if (node) {
    reads.agentrent_deposit_watcher_lag_blocks = async () => {
      const [head, cursor] = await Promise.all([
        node.nowBlock(),
        depositWatcherCursor(db, config.TRON_DEPOSIT_WATCHER_ID),
      ]);
      // No cursor yet: the watcher has not finished its first scan (or runs elsewhere).
      if (!cursor) return;
      const behind = Math.max(0, head.number - (cursor.nextBlock - 1));
      lagBlocks.set(behind);
      lagSeconds.set(behind > 0 ? Math.round(cursor.secondsSinceSaved) : 0);
    };
  }

  async function refresh(): Promise<void> {
    await Promise.all(
      Object.entries(reads).map(async ([name, read]) => {
        try {
          await withTimeout(read(), READ_TIMEOUT_MS);
          failed.set({ gauge: name }, 0);
        } catch (err) {
          failed.set({ gauge: name }, 1);
          logger.warn(
            { gauge: name, err: err instanceof Error ? err.message : String(err) },
            'metric read failed',
          );
        }
      }),
    );
  }

  return { registry, refresh };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text); anything else is 404. Port 0 picks a free one. */
export function startMetricsServer(
  registry: client.Registry,
  port: number,
  host = '0.0.0.0',
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // A scraper's keep-alive connection must not hold the shutdown.
            server.closeAllConnections();
          }),
      });
    });
  });
}
