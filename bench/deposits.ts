/**
 * `npm run bench:deposits`: time from a deposit's block becoming solidified to its ledger credit,
 * p50/p99 over BENCH_DEPOSITS (100) deposits, through the real pipeline (devchain producing a block
 * every BENCH_BLOCK_MS = 3000 ms, deposit watcher, one deposit workflow each, Postgres ledger).
 * Goal (issue 7): p99 added ≤ one block interval.
 *
 * Env: DATABASE_URL / TEMPORAL_ADDRESS (else an embedded Postgres and a Temporal dev server are
 * started), BENCH_DEPOSITS (100), BENCH_BLOCK_MS (3000).
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import { TronWeb, utils } from 'tronweb';
import { ensureDepositWatcher } from '../activities/deposit-watcher';
import { loadConfig } from '../worker/config';
import { createPool } from '../db/pool';
import { createLogger } from '../worker/logger';
import { deriveDepositAddress } from '../activities/tron-address';
import { startDevchain } from '../devchain/server';
import { createWorker } from '../worker/create-worker';
import { freePort, percentile, startServices } from './common';

const DEPOSITS = Number(process.env.BENCH_DEPOSITS ?? 100);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 3000);
// A public test mnemonic: the bench never holds real funds.
const MNEMONIC = 'test test test test test test test test test test test junk';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stops: Array<() => Promise<void>> = [];
  try {
    const { databaseUrl, temporalAddress } = await startServices(stops);
    const chain = await startDevchain({
      port: await freePort(),
      host: '127.0.0.1',
      blockIntervalMs: BLOCK_MS,
    });
    stops.push(() => chain.stop());

    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
      TRON_FULL_HOST: chain.url,
      TRON_USDT_CONTRACT: chain.usdtContract,
      TRON_DEPOSIT_MNEMONIC: MNEMONIC,
      TRON_DEPOSIT_WATCHER_ID: `deposit-watcher-bench-${randomUUID()}`,
      TRON_POLL_INTERVAL_MS: String(BLOCK_MS),
    });
    const db = createPool(databaseUrl, 20);
    stops.push(() => db.end());
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: temporalAddress });
    const worker = await createWorker({
      deps: { config, db, logger: createLogger('silent'), temporal: client },
      connection: native,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await native.close();
    });
    await ensureDepositWatcher(client, config);

    // Accounts with deposit addresses, one sender per deposit (each pays its own TRX fee).
    const targets: string[] = [];
    for (let i = 0; i < DEPOSITS; i++) {
      const id = randomUUID();
      await db.query(`INSERT INTO accounts (id, kind, referral_code) VALUES ($1, 'bot', $2)`, [
        id,
        `bd${id.slice(0, 12)}`,
      ]);
      const address = deriveDepositAddress(MNEMONIC, 1_000_000 + i);
      await db.query(
        'INSERT INTO deposit_addresses (account_id, derivation_index, address) VALUES ($1, $2, $3)',
        [id, 1_000_000 + i, address],
      );
      targets.push(address);
    }
    const info = async () =>
      (await (await fetch(`${chain.url}/admin/info`)).json()) as { solidified: number };
    const sends = await Promise.all(
      targets.map(async (to) => {
        const acct = utils.accounts.generateAccount();
        await fetch(`${chain.url}/admin/mint`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ address: acct.address.base58, usdt: 10, trx: 100 }),
        });
        const tw = new TronWeb({ fullHost: chain.url, privateKey: acct.privateKey });
        const { transaction } = await tw.transactionBuilder.triggerSmartContract(
          chain.usdtContract,
          'transfer(address,uint256)',
          { feeLimit: 100_000_000 },
          [
            { type: 'address', value: to },
            { type: 'uint256', value: 5_000_000 },
          ],
          acct.address.base58,
        );
        const signed = await tw.trx.sign(transaction, acct.privateKey);
        await tw.trx.sendRawTransaction(signed);
        return signed.txID;
      }),
    );
    console.log(`broadcast ${sends.length} deposits; waiting for solidification (${BLOCK_MS} ms blocks)…`);

    // When each block height became solidified (wall clock), sampled every 20 ms.
    const solidifiedAt = new Map<number, number>();
    let last = (await info()).solidified;
    const credited = new Map<string, number>();
    const blockOf = new Map<string, number>();
    while (credited.size < sends.length) {
      const s = (await info()).solidified;
      for (let n = last + 1; n <= s; n++) solidifiedAt.set(n, Date.now());
      last = Math.max(last, s);
      const rows = await db.query<{ txid: string; block_number: number; credited_at: Date | null }>(
        `SELECT txid, block_number, credited_at FROM deposits WHERE txid = ANY($1)`,
        [sends],
      );
      for (const r of rows.rows) {
        blockOf.set(r.txid, r.block_number);
        if (r.credited_at) credited.set(r.txid, r.credited_at.getTime());
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (process.env.BENCH_TRACE === '1') {
      // Where the time goes: event times of a few deposit workflows, relative to solidification.
      const byAdded = sends
        .map((txid) => ({ txid, ms: credited.get(txid)! - (solidifiedAt.get(blockOf.get(txid)!) ?? NaN) }))
        .sort((a, b) => a.ms - b.ms);
      for (const { txid, ms } of [byAdded[0], byAdded[Math.floor(byAdded.length / 2)], byAdded.at(-1)!]) {
        const t0 = solidifiedAt.get(blockOf.get(txid)!)!;
        const history = await client.workflow.getHandle(`deposit-${txid}-0`).fetchHistory();
        const watcher = await client.workflow.getHandle(config.TRON_DEPOSIT_WATCHER_ID).fetchHistory();
        const lines = [
          ...(watcher.events ?? []).map((e) => ({ e, w: 'W ' })),
          ...(history.events ?? []).map((e) => ({ e, w: '' })),
        ]
          .map(({ e, w }) => {
            const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
            return { at: at - t0, type: w + temporal.api.enums.v1.EventType[e.eventType ?? 0], e };
          })
          .filter((x) => x.at > -1500 && x.at < ms + 500)
          .sort((a, b) => a.at - b.at)
          .map(
            (x) =>
              `${x.at}ms ${x.type}${x.e.activityTaskScheduledEventAttributes ? ` ${x.e.activityTaskScheduledEventAttributes.activityType?.name}` : ''}`,
          );
        console.log(`trace ${txid.slice(0, 8)} added=${ms}ms\n  ${lines.join('\n  ')}`);
      }
    }
    const added = sends
      .map((txid) => credited.get(txid)! - (solidifiedAt.get(blockOf.get(txid)!) ?? NaN))
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);
    console.log(
      JSON.stringify(
        {
          deposits: sends.length,
          measured: added.length,
          block_interval_ms: BLOCK_MS,
          solidified_to_credit_ms: {
            p50: percentile(added, 50),
            p99: percentile(added, 99),
            max: added.at(-1),
          },
          goal: `p99 ≤ ${BLOCK_MS} ms`,
          met: percentile(added, 99) <= BLOCK_MS,
        },
        null,
        2,
      ),
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
