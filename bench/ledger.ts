/**
 * `npm run bench:ledger`: ledger postings/s with N concurrent clients next to pgbench's TPC-B-like
 * run with the same client count, against the same Postgres, in one invocation.
 *
 * Env: DATABASE_URL (else an embedded Postgres is started in a temp dir), BENCH_CLIENTS (8),
 * BENCH_SECONDS (20, per side, split into BENCH_ROUNDS=4 alternating rounds), BENCH_ACCOUNTS (1000), PGBENCH (path, default `pgbench` on PATH).
 * Each ledger posting is a random transfer between two user accounts with a platform fee line
 * (3 balance updates, 1 journal, 3 entries) — the same order of work as one TPC-B transaction.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool, type Db } from '../db/pool';
import { postJournal } from '../db/ledger';
import { migrate } from '../scripts/migrate';
import { startEmbeddedPostgres } from '../scripts/postgres';
import { freePort } from './common';

const run = promisify(execFile);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PGBENCH = process.env.PGBENCH ?? 'pgbench';

async function pgbench(url: string, seconds: number): Promise<number> {
  const { stdout } = await run(PGBENCH, ['-c', String(CLIENTS), '-j', '2', '-T', String(seconds), url], {
    maxBuffer: 1 << 24,
  });
  const tps = stdout.match(
    /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/,
  );
  if (!tps) throw new Error(`cannot read pgbench output:\n${stdout}`);
  return Number(tps[1]);
}

async function setupLedger(db: Db): Promise<string[]> {
  const ids = Array.from({ length: ACCOUNTS }, () => randomUUID());
  await db.query(
    `INSERT INTO accounts (id, kind, referral_code) SELECT id, 'bot', 'bench' || replace(id::text, '-', '')
       FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  const start = 1_000_000 * 1_000_000; // 1M USDT each: transfers never run dry
  for (const id of ids)
    await postJournal(db, {
      idempotencyKey: `bench-fund:${id}`,
      kind: 'adjustment',
      lines: [
        { account: { ownerId: null, purpose: 'adjustments' }, amount: -start },
        { account: { ownerId: id, purpose: 'available' }, amount: start },
      ],
    });
  return ids;
}

async function ledger(db: Db, ids: string[], seconds: number): Promise<number> {
  let postings = 0;
  const deadline = Date.now() + seconds * 1000;
  const client = async () => {
    while (Date.now() < deadline) {
      const from = ids[Math.floor(Math.random() * ids.length)];
      let to = ids[Math.floor(Math.random() * ids.length)];
      if (to === from) to = ids[(ids.indexOf(from) + 1) % ids.length];
      const amount = 1 + Math.floor(Math.random() * 5_000_000);
      const fee = Math.floor(amount / 10);
      await postJournal(db, {
        idempotencyKey: `bench:${randomUUID()}`,
        kind: 'bench_transfer',
        lines: [
          { account: { ownerId: from, purpose: 'available' }, amount: -amount },
          { account: { ownerId: to, purpose: 'available' }, amount: amount - fee },
          { account: { ownerId: null, purpose: 'platform_fees' }, amount: fee },
        ],
      });
      postings++;
    }
  };
  const began = Date.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const elapsed = (Date.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const rate = postings / elapsed;
  // On a small box the Node client competes with Postgres for CPU; show how much it took.
  console.debug(
    `ledger client CPU: ${(((used.user + used.system) / 1e6 / elapsed) * 100).toFixed(0)}% of one core`,
  );
  const sum = await db.query<{ total: number }>(
    'SELECT coalesce(sum(balance), 0)::bigint AS total FROM ledger_accounts',
  );
  if (sum.rows[0].total !== 0)
    throw new Error(`ledger does not sum to zero after the bench: ${sum.rows[0].total}`);
  return rate;
}

async function main() {
  let url = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  if (!url) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-bench-'));
    const pg = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      persistent: false,
      database: 'bench',
    });
    url = pg.url;
    stop = pg.stop;
  }
  try {
    await migrate(url);
    const db = createPool(url, CLIENTS + 2);
    try {
      console.log(
        `clients=${CLIENTS} seconds=${SECONDS} rounds=${ROUNDS} accounts=${ACCOUNTS} cpus=${os.cpus().length}`,
      );
      const ids = await setupLedger(db);
      await run(PGBENCH, ['-i', '-q', '-s', String(Math.max(1, CLIENTS)), url], { maxBuffer: 1 << 24 });
      // Alternating short rounds: on a shared machine, load drifts; both sides see the same drift.
      const slice = Math.max(1, Math.round(SECONDS / ROUNDS));
      let ledgerSum = 0;
      let pgbenchSum = 0;
      for (let round = 0; round < ROUNDS; round++) {
        ledgerSum += await ledger(db, ids, slice);
        pgbenchSum += await pgbench(url, slice);
      }
      const ledgerRate = ledgerSum / ROUNDS;
      const pgbenchRate = pgbenchSum / ROUNDS;
      console.log(`ledger:  ${ledgerRate.toFixed(1)} postings/s`);
      console.log(`pgbench: ${pgbenchRate.toFixed(1)} tps (TPC-B-like, scale ${CLIENTS})`);
      console.log(`ratio ledger/pgbench: ${(ledgerRate / pgbenchRate).toFixed(2)} (goal >= 0.80)`);
    } finally {
      await db.end();
    }
  } finally {
    await stop?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
