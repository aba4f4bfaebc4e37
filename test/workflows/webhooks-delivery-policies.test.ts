/**
 * The webhookDelivery workflow on the time-skipping server with the real activities, a real
 * Postgres and a local receiver: attempt counts and spacing per policy, success rules, timeouts,
 * signatures, ordering.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createWebhookActivities } from '../../activities/webhooks';
import { createPool, type Db } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import type { EnqueueWebhookInput, WebhookPolicyName } from '../../domain/webhooks';
import { webhookWorkflowId, type WebhookDeliveryResult } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { createTestAccount } from '../harness/fixtures';
import { testConfig } from '../harness/stack';
import { createTimeSkippingEnv, registerSearchAttributes } from '../harness/time-skipping';

describe('webhook delivery policies (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let worker: Worker;
  let running: Promise<void>;
  let receiver: Receiver;
  let activities: ReturnType<typeof createWebhookActivities>;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    const config = testConfig({ TEMPORAL_TASK_QUEUE: `webhooks-${randomUUID()}` });
    db = createPool(config.DATABASE_URL!, 10);
    activities = createWebhookActivities({
      config,
      db,
      logger: createLogger('silent'),
      temporal: env.client,
    });
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

  async function account(path: string) {
    return createTestAccount(db, { kind: 'bot', webhookUrl: `${receiver.url}${path}` });
  }

  function event(
    accountId: string,
    policy: WebhookPolicyName,
    over: Partial<EnqueueWebhookInput> = {},
  ): EnqueueWebhookInput {
    const id = randomUUID();
    return {
      eventKey: `test:${id}`,
      accountId,
      policy,
      event: 'rental_message',
      subject: `rental:${id}`,
      payload: { event: 'rental_message', data: { id }, timestamp: new Date().toISOString() },
      ...over,
    };
  }

  async function deliver(
    input: EnqueueWebhookInput,
  ): Promise<{ deliveryId: string; result: WebhookDeliveryResult }> {
    const { deliveryId, enqueued } = await activities.enqueueWebhook(input);
    expect(enqueued).toBe(true);
    const result = (await env.client.workflow
      .getHandle(webhookWorkflowId(deliveryId))
      .result()) as WebhookDeliveryResult;
    return { deliveryId, result };
  }

  /** The waits between attempts: the workflow timers exactly, and the observed gaps within task latency. */
  async function expectWaits(deliveryId: string, r: WebhookDeliveryResult, expected: number[]) {
    const history = await env.client.workflow.getHandle(webhookWorkflowId(deliveryId)).fetchHistory();
    const timers = (history.events ?? [])
      .map((e) => e.timerStartedEventAttributes?.startToFireTimeout)
      .filter((t) => t != null)
      .map((t) => Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6));
    expect(timers).toEqual(expected);
    const gaps = r.attempts.slice(1).map((a, i) => a.startedAt - r.attempts[i].endedAt);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]);
      expect(gap).toBeLessThan(expected[i] + 2_000);
    });
  }
  const requestsTo = (path: string) => receiver.requests.filter((r) => r.path === path);

  async function rows(deliveryId: string) {
    const d = await db.query(
      'SELECT state, attempt_count, next_attempt_at, last_status FROM webhook_deliveries WHERE id = $1',
      [deliveryId],
    );
    const a = await db.query<{
      attempt: number;
      outcome: string;
      response_status: number | null;
      attempted_at: Date;
    }>(
      'SELECT attempt, outcome, response_status, attempted_at FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [deliveryId],
    );
    return { delivery: d.rows[0], attempts: a.rows };
  }

  it('agent-events: receiver down once then up is delivered on the 2nd attempt, 30 s later', async () => {
    const path = `/down-once-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = (_req, n) => (n === 1 ? { drop: true } : 200);
    const { deliveryId, result } = await deliver(event(acct.id, 'agent-events'));
    expect(result.state).toBe('delivered');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['network_error', 'success']);
    await expectWaits(deliveryId, result, [30_000]);
    const db = await rows(deliveryId);
    expect(db.delivery).toMatchObject({
      state: 'delivered',
      attempt_count: 2,
      next_attempt_at: null,
      last_status: 200,
    });
    expect(db.attempts.map((a) => a.outcome)).toEqual(['network_error', 'success']);
    // The webhook-id is the delivery id on every attempt, so receivers can de-duplicate.
    expect(requestsTo(path).map((r) => r.headers['webhook-id'])).toEqual([deliveryId, deliveryId]);
  });

  it('task-events: receiver down three times then up is delivered on the 4th attempt after 30 s, 2 min, 8 min', async () => {
    const path = `/down-thrice-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = (_req, n) => (n <= 3 ? { drop: true } : 200);
    const { deliveryId, result } = await deliver(event(acct.id, 'task-events', { event: 'proof_submitted' }));
    expect(result.state).toBe('delivered');
    expect(result.attempts).toHaveLength(4);
    await expectWaits(deliveryId, result, [30_000, 120_000, 480_000]);
    expect((await rows(deliveryId)).attempts.map((a) => a.outcome)).toEqual([
      'network_error',
      'network_error',
      'network_error',
      'success',
    ]);
  });

  it('agent-events: a receiver always answering 500 ends failed after exactly 2 attempts', async () => {
    const path = `/always-500-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = () => 500;
    const { deliveryId, result } = await deliver(event(acct.id, 'agent-events'));
    expect(result.state).toBe('failed');
    expect(requestsTo(path)).toHaveLength(2);
    const db = await rows(deliveryId);
    expect(db.delivery).toMatchObject({ state: 'failed', attempt_count: 2, last_status: 500 });
    expect(db.attempts.map((a) => a.outcome)).toEqual(['rejected', 'rejected']);
    const description = await env.client.workflow.getHandle(webhookWorkflowId(deliveryId)).describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  it('task-events: a receiver always answering 500 ends failed after exactly 4 attempts', async () => {
    const path = `/always-500-task-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = () => 500;
    const { deliveryId, result } = await deliver(event(acct.id, 'task-events'));
    expect(result.state).toBe('failed');
    expect(requestsTo(path)).toHaveLength(4);
    expect((await rows(deliveryId)).delivery).toMatchObject({ state: 'failed', attempt_count: 4 });
  });

  it('201 counts as delivered for agent-events', async () => {
    const path = `/created-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = () => 201;
    const { result } = await deliver(event(acct.id, 'agent-events'));
    expect(result).toMatchObject({ state: 'delivered', attempts: [{ outcome: 'success', status: 201 }] });
  });

  it('201 does not count as delivered for task-events (only 200 does)', async () => {
    const path = `/created-task-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = (_req, n) => (n === 1 ? 201 : 200);
    const { result } = await deliver(event(acct.id, 'task-events'));
    expect(result.state).toBe('delivered');
    expect(result.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['rejected', 201],
      ['success', 200],
    ]);
  });

  it('a receiver slower than 10 s is recorded as a timeout and retried after 30 s', async () => {
    const path = `/slow-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = (_req, n) => (n === 1 ? { status: 200, delayMs: 11_000 } : 200);
    const { deliveryId, result } = await deliver(event(acct.id, 'agent-events'));
    expect(result.attempts.map((a) => a.outcome)).toEqual(['timeout', 'success']);
    await expectWaits(deliveryId, result, [30_000]);
    expect(result.state).toBe('delivered');
    expect((await rows(deliveryId)).attempts[0]).toMatchObject({ outcome: 'timeout', response_status: null });
  }, 60_000);

  it('health-check: one attempt only, and the result is stored on the agent', async () => {
    const path = `/health-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = () => 503;
    const { result } = await deliver(
      event(acct.id, 'health-check', {
        event: 'health_check',
        url: `${receiver.url}${path}/hooks/agent`,
        headers: { 'X-Health-Check': 'true' },
      }),
    );
    expect(result.state).toBe('failed');
    expect(requestsTo(`${path}/hooks/agent`)).toHaveLength(1);
    expect(requestsTo(`${path}/hooks/agent`)[0].headers['x-health-check']).toBe('true');
    const agent = await db.query(
      'SELECT health_ok, health_checked_at, health_detail FROM accounts WHERE id = $1',
      [acct.id],
    );
    expect(agent.rows[0]).toMatchObject({ health_ok: false, health_detail: 'HTTP 503' });
    expect(agent.rows[0].health_checked_at).toBeInstanceOf(Date);
  });

  it('signs with the account secret: the receiver verifies with standardwebhooks, and a tampered body fails', async () => {
    const path = `/signed-${randomUUID()}`;
    const acct = await account(path);
    receiver.respond = () => 200;
    await deliver(event(acct.id, 'agent-events'));
    const secret = (await db.query('SELECT webhook_secret FROM accounts WHERE id = $1', [acct.id])).rows[0]
      .webhook_secret as string;
    expect(secret).toMatch(/^whsec_/);
    const [req] = requestsTo(path);
    const verifier = new Webhook(secret);
    expect(verifier.verify(req.body, req.headers)).toEqual(JSON.parse(req.body));
    expect(() => verifier.verify(req.body.replace('rental_message', 'rental_ended'), req.headers)).toThrow();
  });
});
