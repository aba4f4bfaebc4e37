/**
 * A worker process killed (SIGKILL) while an attempt is in flight: another worker picks the
 * delivery up and it completes with exactly one recorded success under the same webhook-id.
 */
import { randomUUID } from 'node:crypto';
import { createWebhookActivities } from '../../activities/webhooks';
import { createLogger } from '../../worker/logger';
import { webhookWorkflowId } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';

describe('webhook delivery survives a worker crash', () => {
  let stack: Stack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  it('completes after the worker is killed mid-delivery, with exactly one success recorded', async () => {
    const acct = await createTestAccount(stack.db, { kind: 'bot', webhookUrl: `${receiver.url}/crash` });
    let firstArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    // The first request hangs (the worker dies while waiting for it); later ones succeed.
    receiver.respond = (_req, n) => {
      if (n === 1) {
        firstArrived();
        return { status: 200, delayMs: 8_000 };
      }
      return 200;
    };
    const first = spawnWorkerProcess(stack.config);
    workers.push(first);
    await first.ready;
    const { enqueueWebhook } = createWebhookActivities({
      config: stack.config,
      db: stack.db,
      temporal: stack.client,
      logger: createLogger('silent'),
    });
    const { deliveryId } = await enqueueWebhook({
      eventKey: `test:${randomUUID()}`,
      accountId: acct.id,
      policy: 'agent-events',
      event: 'rental_request',
      subject: `rental:${randomUUID()}`,
      payload: { event: 'rental_request' },
    });
    await arrived;
    await first.kill('SIGKILL');

    const second = spawnWorkerProcess(stack.config);
    workers.push(second);
    await second.ready;
    const result = await stack.client.workflow.getHandle(webhookWorkflowId(deliveryId)).result();
    expect(result.state).toBe('delivered');
    const attempts = await stack.db.query(
      'SELECT attempt, outcome FROM webhook_attempts WHERE delivery_id = $1',
      [deliveryId],
    );
    expect(attempts.rows).toEqual([{ attempt: 1, outcome: 'success' }]);
    // The receiver saw the same delivery twice and can de-duplicate it by webhook-id.
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([deliveryId, deliveryId]);
  }, 90_000);
});
