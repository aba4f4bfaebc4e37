/**
 * A webhook attempt whose outcome Postgres cannot record is a permanent failure: the delivery is
 * dead-lettered (settled `failed`, operator alert) and the next delivery of the same subject goes
 * out, instead of the attempt being retried and the subject's queue waiting for ever. The edge
 * neutralises what receivers answer (domain/text.ts), so the poisoned attempt is made here: for one
 * delivery the attempt activity sends a NUL to the real Postgres, which refuses it (22021).
 * Time-skipping server, real activities, real Postgres.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { withFailureClassification } from '../../activities/failures';
import { createOperatorAlertActivities } from '../../activities/operator-alerts';
import { createWebhookActivities } from '../../activities/webhooks';
import { createPool, type Db } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import { deliveryIdOf } from '../../services/webhook-enqueue';
import type { EnqueueWebhookInput } from '../../domain/webhooks';
import { webhookWorkflowId, type WebhookDeliveryResult } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { createTestAccount } from '../harness/fixtures';
import { testConfig } from '../harness/stack';
import { createTimeSkippingEnv, registerSearchAttributes } from '../harness/time-skipping';

/** Far longer than a dead letter takes; a delivery retried for ever never settles within it. */
const SETTLE_WITHIN_MS = 30_000;

describe('webhook delivery dead letters (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let worker: Worker;
  let running: Promise<void>;
  let receiver: Receiver;
  let enqueueWebhook: ReturnType<typeof createWebhookActivities>['enqueueWebhook'];
  /** Deliveries whose attempt hits a value Postgres refuses. */
  const poisoned = new Set<string>();

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    const config = testConfig({ TEMPORAL_TASK_QUEUE: `webhooks-dead-letter-${randomUUID()}` });
    db = createPool(config.DATABASE_URL!, 10);
    const deps = { config, db, logger: createLogger('silent'), temporal: env.client };
    // As activities/index.ts registers them.
    const webhooks = createWebhookActivities(deps);
    const activities = withFailureClassification({
      ...webhooks,
      ...createOperatorAlertActivities(deps),
      async attemptWebhookDelivery(input: Parameters<typeof webhooks.attemptWebhookDelivery>[0]) {
        if (poisoned.has(input.deliveryId)) await db.query('SELECT $1::text', ['x\u0000y']);
        return webhooks.attemptWebhookDelivery(input);
      },
    });
    enqueueWebhook = activities.enqueueWebhook;
    const bundle: WorkflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows/webhook-delivery/workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: bundle,
      activities,
    });
    running = worker.run();
    receiver = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await receiver?.close();
    await db?.end();
    await env?.teardown();
  });

  const event = (accountId: string, subject: string): EnqueueWebhookInput => {
    const id = randomUUID();
    return {
      eventKey: `test:${id}`,
      accountId,
      policy: 'agent-events',
      event: 'rental_message',
      subject,
      payload: { event: 'rental_message', data: { id }, timestamp: new Date().toISOString() },
    };
  };

  async function settled(deliveryId: string): Promise<WebhookDeliveryResult | 'not settled'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        env.client.workflow
          .getHandle(webhookWorkflowId(deliveryId))
          .result() as Promise<WebhookDeliveryResult>,
        new Promise<'not settled'>((resolve) => {
          timer = setTimeout(() => resolve('not settled'), SETTLE_WITHIN_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('dead-letters an attempt Postgres cannot record, alerts an operator and delivers the next event of the subject', async () => {
    const path = `/nul-${randomUUID()}`;
    const acct = await createTestAccount(db, { kind: 'bot', webhookUrl: `${receiver.url}${path}` });
    const subject = `rental:${randomUUID()}`;
    receiver.respond = () => 200;

    const firstEvent = event(acct.id, subject);
    poisoned.add(deliveryIdOf(firstEvent.eventKey));
    const first = await enqueueWebhook(firstEvent);
    expect(poisoned.has(first.deliveryId)).toBe(true);
    const second = await enqueueWebhook(event(acct.id, subject));

    const firstResult = await settled(first.deliveryId);
    expect(firstResult).toMatchObject({ state: 'failed' });
    expect(await settled(second.deliveryId)).toMatchObject({ state: 'delivered' });

    const rows = await db.query<{ id: string; state: string; last_error: string | null }>(
      'SELECT id, state, last_error FROM webhook_deliveries WHERE id = ANY($1)',
      [[first.deliveryId, second.deliveryId]],
    );
    const byId = Object.fromEntries(rows.rows.map((r) => [r.id, r]));
    expect(byId[first.deliveryId].state).toBe('failed');
    expect(byId[first.deliveryId].last_error).toMatch(/^dead-lettered: INVALID_DATA/);
    expect(byId[second.deliveryId].state).toBe('delivered');

    const alerts = await db.query(
      `SELECT 1 FROM operator_alerts
        WHERE kind = 'webhook_delivery_dead_lettered' AND subject = $1 AND resolved_at IS NULL`,
      [webhookWorkflowId(first.deliveryId)],
    );
    expect(alerts.rowCount).toBe(1);
  });
});
