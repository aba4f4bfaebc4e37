/**
 * Enqueuing a delivery again (a retried route: activities/rental-events, the API's message route)
 * while its workflow settles it. The settling transaction holds the delivery's row and then waits
 * for the subject's lock (activities/webhooks.ts); an enqueue that took that lock first and then
 * inserted the same id waited for the row: Postgres found a deadlock and aborted one of the two
 * (CI run 21, rentals-events). Here the settling transaction is played by hand, in that order.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { EnqueueWebhookInput } from '../../domain/webhooks';
import { enqueueDelivery, subjectLockKey } from '../../services/webhook-enqueue';
import { createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Starts no workflow: only the delivery row and the locks are under test. */
const noWorkflows = { workflow: { start: () => Promise.resolve(undefined) } } as unknown as Client;

const waitingForALock = async () =>
  (
    await stack.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )
  ).rows[0].n > 0;

it('enqueues a delivery again while its settlement holds the row and waits for the subject lock, without a deadlock', async () => {
  const acct = await createTestAccount(stack.db, { kind: 'bot', webhookUrl: 'http://127.0.0.1:9/hook' });
  const input: EnqueueWebhookInput = {
    eventKey: `test:${randomUUID()}`,
    accountId: acct.id,
    policy: 'agent-events',
    event: 'rental_message',
    subject: `rental:${randomUUID()}`,
    payload: { hello: 'world' },
  };
  const deps = { db: stack.db, config: stack.config, temporal: noWorkflows };
  const { deliveryId } = await enqueueDelivery(deps, input);

  // The settlement: the delivery's row first …
  const settling = await stack.db.connect();
  try {
    await settling.query('BEGIN');
    await settling.query(`UPDATE webhook_deliveries SET attempt_count = attempt_count + 1 WHERE id = $1`, [
      deliveryId,
    ]);
    // … while the route enqueues the same event again …
    let enqueuedAgain = false;
    const again = enqueueDelivery(deps, input).then((r) => {
      enqueuedAgain = true;
      return r;
    });
    const deadline = Date.now() + 10_000;
    while (!enqueuedAgain && !(await waitingForALock()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    // … then the subject's lock, as recordAttempt takes it.
    await settling.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      subjectLockKey(acct.id, input.subject),
    ]);
    await settling.query('COMMIT');
    expect(await again).toEqual({ deliveryId, enqueued: true });
  } finally {
    settling.release();
  }
  const rows = await stack.db.query('SELECT attempt_count FROM webhook_deliveries WHERE event_key = $1', [
    input.eventKey,
  ]);
  expect(rows.rows).toEqual([{ attempt_count: 1 }]);
});
