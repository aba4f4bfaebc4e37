/**
 * `npm run bench:rentals`, two same-run comparisons on one Postgres + one Temporal server:
 *  (a) rentals started/s through `POST /api/rentals` (auth, balance hold, read model, workflow start)
 *      vs two baselines at the same concurrency: plain workflow starts/s (the bare start RPC, on a
 *      task queue nobody polls), and the fair one: update-with-start of a trivial workflow whose
 *      update waits for one local activity doing one Postgres transaction (bench/rentals-workflows.ts),
 *      the least a start that holds money inside its owning workflow can cost on this engine;
 *  (b) `/v1/chat` latency p50/p99 through the platform (API → rental workflow update → relay
 *      activity → agent) vs POSTing the same local agent webhook directly.
 *
 * Env: DATABASE_URL / TEMPORAL_ADDRESS (else an embedded Postgres and a Temporal dev server are
 * started), BENCH_CLIENTS (8), BENCH_SECONDS (10 per side of (a), in BENCH_ROUNDS=3 alternating
 * rounds), BENCH_CHATS (200 per side of (b)), BENCH_PARTS (`ab`; `b` measures the chat latency only,
 * e.g. to profile it), BENCH_TRACE=1 (print Temporal's view of the chats: tasks per chat and the
 * last chat's history timeline).
 * Goals: (a) ratio to the fair baseline ≥ 0.8; (b) added p50 ≤ 10 ms, added p99 ≤ 30 ms (issue 21).
 */
import { Client, Connection, WithStartWorkflowOperation, WorkflowIdConflictPolicy } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { startApi } from '../api/server';
import { loadConfig } from '../worker/config';
import { createPool, type Db } from '../db/pool';
import { createLogger } from '../worker/logger';
import { createTestAccount, fund } from '../test/harness/fixtures';
import { createWorker } from '../worker/create-worker';
import { traceChats } from './chat-trace';
import { benchHeldUpdate, type benchHeldStart } from './rentals-workflows';
import { percentile, startAgent, startServices } from './common';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CHATS = Number(process.env.BENCH_CHATS ?? 200);
const PARTS = process.env.BENCH_PARTS ?? 'ab';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Runs `op` from CLIENTS concurrent loops for one round; returns successful operations per second. */
async function throughput(op: (client: number) => Promise<boolean>, side: string): Promise<number> {
  let ok = 0;
  const started = Date.now();
  const deadline = started + (SECONDS / ROUNDS) * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (Date.now() < deadline) if (await op(c)) ok++;
    }),
  );
  // BENCH_TRACE=1: each round's window and count, to line up with per-process CPU samples.
  if (process.env.BENCH_TRACE === '1') console.error(`round ${side} ${started} ${Date.now()} ${ok}`);
  return ok / ((Date.now() - started) / 1000);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function renters(db: Db, count: number) {
  const list = [];
  for (let i = 0; i < count; i++) {
    const renter = await createTestAccount(db);
    await fund(db, renter.id, 1_000_000);
    list.push(renter);
  }
  // The per-key limit protects production, not this measurement.
  await db.query('UPDATE api_keys SET rate_limit_per_minute = 1000000 WHERE account_id = ANY($1)', [
    list.map((r) => r.id),
  ]);
  return list;
}

const silent = () => undefined;
const quietBundler = {
  trace: silent,
  debug: silent,
  info: silent,
  warn: silent,
  log: silent,
  error: console.error,
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stops: Array<() => Promise<void>> = [];
  try {
    const { databaseUrl, temporalAddress } = await startServices(stops);
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
      ALLOW_PRIVATE_WEBHOOKS: 'true',
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000000',
      RATE_LIMIT_KEY_PREFIX: `bench-${randomUUID().slice(0, 8)}`,
      METRICS_PORT: '0',
    });
    const logger = createLogger('silent');
    const db = createPool(databaseUrl, 30);
    stops.push(() => db.end());
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const api = await startApi(
      { config, db, logger, temporal: client, temporalConnection: connection },
      0,
      '127.0.0.1',
    );
    stops.push(() => api.close());
    const native = await NativeConnection.connect({ address: temporalAddress });
    const worker = await createWorker({
      deps: { config, db, logger, temporal: client },
      connection: native,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./rentals-workflows'),
        logger: quietBundler,
      }),
      // The fair baseline's one Postgres transaction (a single-statement insert).
      activityOverrides: {
        benchHold: async (id: string) => {
          await db.query('INSERT INTO bench_holds (id) VALUES ($1)', [id]);
        },
      },
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await native.close();
    });
    const agent = await startAgent();
    stops.push(() => agent.close());

    // (a) rentals started/s vs plain workflow starts/s
    const bot = await createTestAccount(db, { kind: 'bot', pricePerMinute: 0.01 });
    const people = await renters(db, CLIENTS);
    const rent = async (c: number) => {
      const res = await fetch(`${api.url}/api/rentals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': people[c].apiKey },
        body: JSON.stringify({ agent_id: bot.id, minutes: 60 }),
      });
      await res.arrayBuffer();
      return res.status === 201 || res.status === 200;
    };
    const plainQueue = `bench-plain-${randomUUID()}`;
    const plain = async () => {
      await client.workflow.start('benchPlainStart', {
        taskQueue: plainQueue,
        workflowId: `bench-plain-${randomUUID()}`,
      });
      return true;
    };
    await db.query(
      'CREATE TABLE IF NOT EXISTS bench_holds (id uuid PRIMARY KEY, at timestamptz DEFAULT now())',
    );
    const held = async () => {
      const id = randomUUID();
      await client.workflow.executeUpdateWithStart(benchHeldUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<typeof benchHeldStart>('benchHeldStart', {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: `bench-held-${id}`,
          args: [id],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        }),
      });
      return true;
    };
    await rent(0); // warm-up: bundle, connections, caches
    await plain();
    await held();
    // Plain starts first: the rentals leave work behind on the worker (their first workflow
    // tasks), which must not slow the side they are compared with.
    // Alternating rounds: on a shared machine the load drifts; every side sees the same drift.
    let plainPerSec = 0;
    let heldPerSec = 0;
    let rentalsPerSec = 0;
    for (let round = 0; PARTS.includes('a') && round < ROUNDS; round++) {
      plainPerSec += (await throughput(plain, 'plain')) / ROUNDS;
      heldPerSec += (await throughput(held, 'fair')) / ROUNDS;
      rentalsPerSec += (await throughput(rent, 'rentals')) / ROUNDS;
    }

    // (b) /v1/chat latency through the platform vs the agent webhook directly
    const proxyBot = await createTestAccount(db, {
      kind: 'bot',
      pricePerMinute: 0.01,
      integration: 'proxy',
      webhookUrl: agent.url,
      webhookToken: 'bench',
    });
    const rentalRes = await fetch(`${api.url}/api/rentals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': people[0].apiKey },
      body: JSON.stringify({ agent_id: proxyBot.id, minutes: 600 }),
    });
    const rental = (await rentalRes.json()) as { id: string; code: string };
    const body = JSON.stringify({ message: 'ping' });
    const viaPlatform = () =>
      fetch(`${api.url}/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': rental.code },
        body,
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`/v1/chat answered ${r.status}`);
      });
    const direct = () =>
      fetch(`${agent.url}/hooks/agent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify({ message: 'ping', agentId: 'bench', sessionKey: 's', channel: 'API' }),
      }).then((r) => r.arrayBuffer().then(() => undefined));
    // The API alone (rental-code auth + rate limit + read model, no workflow): where the time goes.
    const status = () =>
      fetch(`${api.url}/v1/status`, { headers: { 'x-api-key': rental.code } }).then((r) =>
        r.arrayBuffer().then(() => undefined),
      );
    await viaPlatform();
    await direct();
    const platform: number[] = [];
    const baseline: number[] = [];
    const apiOnly: number[] = [];
    // Interleaved, so all sides see the same machine load.
    for (let i = 0; i < CHATS; i++) {
      platform.push(await timed(viaPlatform));
      baseline.push(await timed(direct));
      apiOnly.push(await timed(status));
    }
    for (const list of [platform, baseline, apiOnly]) list.sort((a, b) => a - b);

    const ratio = rentalsPerSec / plainPerSec;
    const fairRatio = rentalsPerSec / heldPerSec;
    const added = percentile(platform, 50) - percentile(baseline, 50);
    const added99 = percentile(platform, 99) - percentile(baseline, 99);
    const ms = (n: number) => `${n.toFixed(2)} ms`;
    console.log(
      `clients=${CLIENTS} seconds=${SECONDS} rounds=${ROUNDS} chats=${CHATS} cpus=${os.cpus().length} load=${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(`(a) POST /api/rentals: ${rentalsPerSec.toFixed(1)} rentals/s`);
    console.log(`    plain workflow starts: ${plainPerSec.toFixed(1)} starts/s`);
    console.log(
      `    fair baseline (update-with-start, one local activity, one transaction): ${heldPerSec.toFixed(1)} starts/s`,
    );
    console.log(`    ratio vs plain starts: ${ratio.toFixed(2)}`);
    console.log(
      `    ratio vs fair baseline: ${fairRatio.toFixed(2)} (goal ≥ 0.8) ${fairRatio >= 0.8 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `(b) /v1/chat via platform: p50 ${ms(percentile(platform, 50))}, p99 ${ms(percentile(platform, 99))}`,
    );
    console.log(
      `    agent webhook direct:  p50 ${ms(percentile(baseline, 50))}, p99 ${ms(percentile(baseline, 99))}`,
    );
    console.log(
      `    GET /v1/status (no workflow): p50 ${ms(percentile(apiOnly, 50))}, p99 ${ms(percentile(apiOnly, 99))}`,
    );
    console.log(
      `    added p50: ${ms(added)} (goal ≤ 10 ms) ${added <= 10 ? 'MET' : 'NOT MET'}; added p99: ${ms(added99)} (goal ≤ 30 ms) ${added99 <= 30 ? 'MET' : 'NOT MET'}; ratio p50 ${(percentile(platform, 50) / percentile(baseline, 50)).toFixed(1)}×`,
    );
    if (process.env.BENCH_TRACE === '1') await traceChats(client, `rental-${rental.id}`, CHATS);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
