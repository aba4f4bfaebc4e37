/**
 * `npm run bench:ledger`: ledger postings/s with N concurrent clients next to two pgbench runs with
 * the same client count, against the same Postgres, in one invocation:
 * - **same work** (the goal's baseline, ≥ 1.5×): a pgbench script doing a posting's logical work
 *   as plain SQL on the ledger's own tables — insert the keyed journal, move the three balances in
 *   ascending id order, insert the three entries, commit — what a posting costs written the
 *   straightforward way, one statement per step;
 * - **TPC-B-like** (pgbench's built-in, shown for continuity with earlier figures): different
 *   tables and less work per transaction (no unique key, no entry indexes), so not the same work.
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
import { PLATFORM_SHARDS } from '../domain/ledger';
import { migrate } from '../scripts/migrate';
import { startEmbeddedPostgres } from '../scripts/postgres';
import { freePort } from './common';

const run = promisify(execFile);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PGBENCH = process.env.PGBENCH ?? 'pgbench';
// Transfers of 10 to 5,000,000 micro-USDT: the 10 % fee is never 0, which no ledger line may be.
const MIN_AMOUNT = 10;
const MAX_AMOUNT = 5_000_000;

async function pgbench(url: string, seconds: number, script?: string): Promise<number> {
  const args = ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds)];
  // Prepared, like the ledger's named statements.
  if (script) args.push('-M', 'prepared', '-f', script);
  const { stdout } = await run(PGBENCH, [...args, url], { maxBuffer: 1 << 24 });
  const tps = stdout.match(
    /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/,
  );
  if (!tps) throw new Error(`cannot read pgbench output:\n${stdout}`);
  return Number(tps[1]);
}

/**
 * The same-work script: one transfer with a fee as plain SQL, on the ids of the bench's user
 * accounts (a contiguous range) and of the 8 platform-fee shards, in ascending id order.
 */
async function sameWorkScript(db: Db, dir: string): Promise<string> {
  const range = async (purpose: string) => {
    const r = await db.query<{ lo: number; hi: number; n: number }>(
      `SELECT min(id)::int AS lo, max(id)::int AS hi, count(*)::int AS n FROM ledger_accounts WHERE purpose = $1`,
      [purpose],
    );
    const { lo, hi, n } = r.rows[0];
    if (hi - lo + 1 !== n) throw new Error(`${purpose} account ids are not contiguous`);
    return { lo, n };
  };
  const users = await range('available');
  const fees = await range('platform_fees');
  const file = path.join(dir, 'ledger-same-work.sql');
  fs.writeFileSync(
    file,
    `\\set a random(${users.lo}, ${users.lo + users.n - 1})
\\set b ${users.lo} + ((:a - ${users.lo} + random(1, ${users.n - 1})) % ${users.n})
\\set f random(${fees.lo}, ${fees.lo + fees.n - 1})
\\set amt random(${MIN_AMOUNT}, ${MAX_AMOUNT})
\\set fee :amt / 10
\\set debit -:amt
\\set credit :amt - :fee
\\set first least(:a, :b)
\\set second greatest(:a, :b)
\\set firstamt CASE WHEN :a < :b THEN -:amt ELSE :amt - :fee END
\\set secondamt CASE WHEN :a < :b THEN :amt - :fee ELSE -:amt END
BEGIN;
INSERT INTO ledger_journals (id, idempotency_key, kind, reference, memo) VALUES (gen_random_uuid(), 'pgbench:' || gen_random_uuid()::text, 'bench_transfer', NULL, '{}') RETURNING id AS jid \\gset
UPDATE ledger_accounts SET balance = balance + :firstamt, updated_at = now() WHERE id = :first;
UPDATE ledger_accounts SET balance = balance + :secondamt, updated_at = now() WHERE id = :second;
UPDATE ledger_accounts SET balance = balance + :fee, updated_at = now() WHERE id = :f;
INSERT INTO ledger_entries (journal_id, ledger_account_id, amount) VALUES (:jid, :a, :debit), (:jid, :b, :credit), (:jid, :f, :fee);
END;
`,
  );
  return file;
}

async function setupLedger(db: Db): Promise<string[]> {
  const ids = Array.from({ length: ACCOUNTS }, () => randomUUID());
  await db.query(
    `INSERT INTO accounts (id, kind, referral_code) SELECT id, 'bot', 'bench' || replace(id::text, '-', '')
       FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  // The fee shards exist before the run (a contiguous id range for the same-work script).
  await db.query(
    `INSERT INTO ledger_accounts (owner_id, purpose, shard, is_user)
     SELECT NULL, 'platform_fees', s, false FROM generate_series(0, ${PLATFORM_SHARDS - 1}) AS s`,
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
      const amount = MIN_AMOUNT + Math.floor(Math.random() * (MAX_AMOUNT - MIN_AMOUNT + 1));
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
  const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-bench-ledger-'));
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
      const script = await sameWorkScript(db, scriptDir);
      await run(PGBENCH, ['-i', '-q', '-s', String(Math.max(1, CLIENTS)), url], { maxBuffer: 1 << 24 });
      // Alternating short rounds: on a shared machine, load drifts; all sides see the same drift.
      const slice = Math.max(1, Math.round(SECONDS / ROUNDS));
      let ledgerSum = 0;
      let sameSum = 0;
      let tpcbSum = 0;
      for (let round = 0; round < ROUNDS; round++) {
        ledgerSum += await ledger(db, ids, slice);
        sameSum += await pgbench(url, slice, script);
        tpcbSum += await pgbench(url, slice);
      }
      const ledgerRate = ledgerSum / ROUNDS;
      const sameRate = sameSum / ROUNDS;
      const tpcbRate = tpcbSum / ROUNDS;
      console.log(`ledger:  ${ledgerRate.toFixed(1)} postings/s`);
      console.log(`pgbench same work: ${sameRate.toFixed(1)} tps (a posting as plain SQL, prepared)`);
      console.log(`pgbench TPC-B-like: ${tpcbRate.toFixed(1)} tps (scale ${CLIENTS})`);
      const ratio = ledgerRate / sameRate;
      console.log(
        `ratio ledger/same-work pgbench: ${ratio.toFixed(2)} (goal >= 1.5) ${ratio >= 1.5 ? 'MET' : 'NOT MET'}; ledger/TPC-B-like: ${(ledgerRate / tpcbRate).toFixed(2)}`,
      );
    } finally {
      await db.end();
    }
  } finally {
    await stop?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(scriptDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
