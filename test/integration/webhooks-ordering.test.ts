/** Per-subject ordering on the real stack: a slow first delivery holds its subject, not others. */
import { randomUUID } from 'node:crypto';
import { createWebhookActivities } from '../../activities/webhooks';
import { createLogger } from '../../worker/logger';
import type { EnqueueWebhookInput } from '../../domain/webhooks';
import { webhookWorkflowId } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { createTestAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';

describe('webhook ordering per subject', () => {
  let stack: Stack;
  let receiver: Receiver;
  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('three events of one subject arrive in enqueue order although the first is slow; another subject is not held up', async () => {
    const acct = await createTestAccount(stack.db, { kind: 'bot', webhookUrl: `${receiver.url}/ordered` });
    const { enqueueWebhook } = createWebhookActivities({
      config: stack.config,
      db: stack.db,
      temporal: stack.client,
      logger: createLogger('silent'),
    });
    receiver.respond = (req) => (JSON.parse(req.body).seq === 1 ? { status: 200, delayMs: 2_000 } : 200);
    const subject = `rental:${randomUUID()}`;
    const event = (seq: number, subj = subject): EnqueueWebhookInput => ({
      eventKey: `test:${randomUUID()}`,
      accountId: acct.id,
      policy: 'agent-events',
      event: 'rental_message',
      subject: subj,
      payload: { seq },
    });
    const ids: string[] = [];
    for (const seq of [1, 2, 3]) ids.push((await enqueueWebhook(event(seq))).deliveryId);
    ids.push((await enqueueWebhook(event(99, `rental:${randomUUID()}`))).deliveryId);
    const results = await Promise.all(
      ids.map((id) => stack.client.workflow.getHandle(webhookWorkflowId(id)).result()),
    );
    expect(results.map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const seqs = receiver.requests.map((r) => JSON.parse(r.body).seq as number);
    expect(seqs.filter((seq) => seq !== 99)).toEqual([1, 2, 3]);
    // The other subject went out while the slow first delivery was still waiting for its answer.
    const at = (seq: number) => receiver.requests[seqs.indexOf(seq)].receivedAt;
    expect(at(99)).toBeLessThan(at(1) + 2_000);
    expect(at(2)).toBeGreaterThanOrEqual(at(1) + 2_000);
    // The second delivery waited for its predecessor: the richest history of this workflow type.
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, webhookWorkflowId(ids[1]), 'webhook-delivery-ordered');
  });
});
