/**
 * `npm run bench:webhooks`: webhook deliveries/s (enqueueWebhook → webhook-<id> workflow → one
 * signed POST to a local receiver → recorded) next to trivial workflows/s (start → one no-op
 * activity → complete) on the same Temporal server and worker settings, in the same run.
 * Prints both and the ratio (goal ≥ 0.95, issue 21). BENCH_TRACE=1 also prints the history of
 * one of each (event types and offsets); BENCH_RECORD=<name> writes the last delivery's history to
 * test/histories/<name>.json.
 *
 * Env: DATABASE_URL / TEMPORAL_ADDRESS (else an embedded Postgres and a Temporal dev server are
 * started), BENCH_CLIENTS (16 concurrent loops), BENCH_SECONDS (60 per side).
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookActivities } from '../activities/webhooks';
import { loadConfig } from '../worker/config';
import { createPool } from '../db/pool';
import { createLogger } from '../worker/logger';
import { createTestAccount } from '../test/harness/fixtures';
import { webhookWorkflowId } from '../workflows/webhook-delivery/contract';
import { recordHistory } from '../scripts/record-history';
import { measure, quietBundlerLogger, runStops, startServices, type Stops, verdict } from './common';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
/** Sides alternate in rounds so a load change on a shared machine hits both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

/** The receiver: answers every delivery 200 at once. */
async function startReceiver(stops: Stops): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  stops.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stops: Stops = [];
  try {
    const { databaseUrl, temporalAddress } = await startServices(stops);
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-webhooks-${randomUUID()}`,
      ALLOW_PRIVATE_WEBHOOKS: 'true',
    });
    const db = createPool(databaseUrl, 30);
    stops.push(() => db.end());
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const native = await NativeConnection.connect({ address: temporalAddress });
    stops.push(() => native.close());

    const activities = createWebhookActivities({
      config,
      db,
      logger: createLogger('silent'),
      temporal: client,
    });
    const worker = await Worker.create({
      connection: native,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./webhooks-workflows'),
        logger: quietBundlerLogger,
      }),
      activities: { ...activities, benchNoop: async () => undefined },
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    const url = await startReceiver(stops);
    const account = await createTestAccount(db, { kind: 'bot', webhookUrl: url });

    const last = { trivial: '', delivery: '' };
    const trivialOp = async () => {
      last.trivial = `bench-trivial-${randomUUID()}`;
      await client.workflow.execute('benchTrivialWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: last.trivial,
      });
    };
    const deliveryOp = async () => {
      const id = randomUUID();
      const { deliveryId } = await activities.enqueueWebhook({
        eventKey: `bench:${id}`,
        accountId: account.id,
        policy: 'agent-events',
        event: 'rental_message',
        subject: `rental:${id}`,
        payload: { event: 'rental_message', data: { id }, timestamp: new Date().toISOString() },
      });
      last.delivery = webhookWorkflowId(deliveryId);
      await client.workflow.getHandle(last.delivery).result();
    };
    const totals = { trivial: { done: 0, elapsed: 0 }, deliveries: { done: 0, elapsed: 0 } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of ['trivial', 'deliveries'] as const) {
        const r = await measure(side === 'trivial' ? trivialOp : deliveryOp, CLIENTS, SECONDS / ROUNDS);
        totals[side].done += r.done;
        totals[side].elapsed += r.elapsed;
      }
    }
    const trivial = totals.trivial.done / totals.trivial.elapsed;
    const deliveries = totals.deliveries.done / totals.deliveries.elapsed;
    const failed = await db.query(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE state <> 'delivered'",
    );

    if (process.env.BENCH_TRACE === '1') {
      // Temporal's view of one of each: the events and their offsets from the start.
      for (const id of [last.trivial, last.delivery]) {
        const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
        const at = (e: (typeof events)[number]) =>
          Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        const t0 = events.length ? at(events[0]) : 0;
        console.log(`${id}: ${events.length} events`);
        for (const e of events)
          console.log(`  +${at(e) - t0} ms ${temporal.api.enums.v1.EventType[e.eventType ?? 0]}`);
      }
    }
    // BENCH_RECORD=<name>: the last delivery's history into test/histories (the replay suite).
    if (process.env.BENCH_RECORD)
      console.log(`recorded ${await recordHistory(client, last.delivery, process.env.BENCH_RECORD)}`);
    const ratio = deliveries / trivial;
    console.log(`webhook deliveries/s (local receiver): ${deliveries.toFixed(1)}`);
    console.log(`trivial workflows/s (1 no-op activity): ${trivial.toFixed(1)}`);
    console.log(
      `ratio ${ratio.toFixed(2)} (goal ≥ 0.95) ${verdict(ratio >= 0.95)}; ${CLIENTS} clients × ${SECONDS} s per side in ${ROUNDS} alternating rounds; not delivered: ${failed.rows[0].n}`,
    );
  } finally {
    await runStops(stops);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
