/**
 * What the webhook-delivery and reconciler workflows decide, on the time-skipping server with
 * stub activities (no Postgres, no receiver): attempts and waits per policy, dead letters, ordering
 * behind a predecessor, and which held balances the reconciler repairs.
 */
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { AttemptResult } from '../../activities/webhooks';
import type { HeldBalance, OwnerState } from '../../activities/reconciler';
import { ErrorCode } from '../../domain/errors';
import { WEBHOOK_POLICIES } from '../../domain/webhook-policies';
import type { WebhookPolicyName } from '../../domain/webhooks';
import { startStubWorker, type StubWorker } from '../harness/stub-worker';
// Workflow modules (one block, so it is repointed in one place when the workflows move).
import {
  RECONCILER_WORKFLOW_TYPE,
  type ReconcilerInput,
  type ReconcilerWorkflow,
} from '../../workflows/reconciler/contract';
import {
  predecessorSettledSignal,
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  type WebhookDeliveryWorkflow,
  webhookWorkflowId,
} from '../../workflows/webhook-delivery/contract';

const answer = (state: AttemptResult['state'], status: number | null, successorId: string | null = null) =>
  ({
    state,
    outcome: state === 'delivered' ? 'success' : status === null ? 'network_error' : 'rejected',
    status,
    successorId,
  }) as AttemptResult;

describe('webhook delivery and reconciler workflow decisions (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker({
      async attemptWebhookDelivery() {
        return answer('delivered', 200);
      },
      async isWebhookDeliverySettled() {
        return false;
      },
      async deadLetterWebhookDelivery() {
        return { successorId: null };
      },
      async findHeldBalances() {
        return [];
      },
      async describeOwnerWorkflows() {
        return {};
      },
      async repairHeldBalance(i) {
        return { outcome: 'repaired', amount: i.hold.balance, journalId: randomUUID() };
      },
    });
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  describe('webhook delivery', () => {
    function deliver(policy: WebhookPolicyName, after: string | null = null) {
      const deliveryId = randomUUID();
      const id = webhookWorkflowId(deliveryId);
      const started = w.env.client.workflow.start<WebhookDeliveryWorkflow>(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: w.taskQueue,
        args: [{ deliveryId, accountId: 'acc', policy, after }],
      });
      return { deliveryId, id, started };
    }
    const attempts = (id: string) => w.calls(id, 'attemptWebhookDelivery').map((c) => c.input);
    /** Answers attempts in turn from `answers`, then delivered. */
    const attemptsAnswer = (answers: AttemptResult[]) =>
      w.on('attemptWebhookDelivery', async () => answers.shift() ?? answer('delivered', 200));

    it('when the first attempt is delivered, then it makes one attempt and ends delivered', async () => {
      const d = deliver('agent-events');
      const result = await (await d.started).result();
      expect(result.state).toBe('delivered');
      expect(attempts(d.id)).toMatchObject([{ deliveryId: d.deliveryId, attempt: 1, retryInMs: 30_000 }]);
    });

    it('when task-events attempts fail, then it retries after 30 s, 2 min and 8 min, telling each attempt the next wait', async () => {
      attemptsAnswer([answer('retrying', 500), answer('retrying', 500), answer('retrying', 500)]);
      const d = deliver('task-events');
      const result = await (await d.started).result();
      expect(result.state).toBe('delivered');
      expect(attempts(d.id).map((a) => a.retryInMs)).toEqual([
        ...WEBHOOK_POLICIES['task-events'].retryDelaysMs,
        null,
      ]);
      const gaps = result.attempts.slice(1).map((a, i) => a.startedAt - result.attempts[i].endedAt);
      gaps.forEach((gap, i) =>
        expect(gap).toBeGreaterThanOrEqual(WEBHOOK_POLICIES['task-events'].retryDelaysMs[i]),
      );
    });

    it('when the last attempt fails, then it ends failed without another attempt', async () => {
      attemptsAnswer([answer('retrying', 500), answer('failed', 500)]);
      const d = deliver('agent-events');
      const result = await (await d.started).result();
      expect(result.state).toBe('failed');
      expect(attempts(d.id).map((a) => a.attempt)).toEqual([1, 2]);
    });

    it('when an attempt fails for good, then the delivery is dead-lettered once and ends failed', async () => {
      w.on('attemptWebhookDelivery', async () => {
        throw ApplicationFailure.nonRetryable('value cannot be stored', ErrorCode.InvalidData);
      });
      const d = deliver('agent-events');
      const result = await (await d.started).result();
      expect(result).toMatchObject({
        state: 'failed',
        attempts: [{ outcome: 'dead_lettered', status: null }],
      });
      expect(w.calls(d.id, 'deadLetterWebhookDelivery').map((c) => c.input)).toEqual([
        {
          deliveryId: d.deliveryId,
          workflowId: d.id,
          errorType: ErrorCode.InvalidData,
          message: 'value cannot be stored',
        },
      ]);
      expect(attempts(d.id)).toHaveLength(1);
    });

    it('when a predecessor has not settled, then no attempt is made until it signals', async () => {
      const d = deliver('agent-events', randomUUID());
      const handle = await d.started;
      await w.env.sleep('1 hour');
      expect(attempts(d.id)).toHaveLength(0);
      await handle.signal(predecessorSettledSignal);
      expect((await handle.result()).state).toBe('delivered');
      expect(attempts(d.id)).toHaveLength(1);
    });

    it('when a delivery settles with a successor waiting, then the successor is released', async () => {
      const successor = deliver('agent-events', randomUUID());
      const successorHandle = await successor.started;
      attemptsAnswer([answer('delivered', 200, successor.deliveryId)]);
      const first = deliver('agent-events');
      await (await first.started).result();
      expect((await successorHandle.result()).state).toBe('delivered');
    });

    it('when a dead-lettered delivery has a successor waiting, then the successor is released', async () => {
      const successor = deliver('agent-events', randomUUID());
      const successorHandle = await successor.started;
      w.on('attemptWebhookDelivery', async (i) => {
        if (i.deliveryId !== successor.deliveryId)
          throw ApplicationFailure.nonRetryable('bad', ErrorCode.InvalidData);
        return answer('delivered', 200);
      });
      w.on('deadLetterWebhookDelivery', async () => ({ successorId: successor.deliveryId }));
      const first = deliver('agent-events');
      expect((await (await first.started).result()).state).toBe('failed');
      expect((await successorHandle.result()).state).toBe('delivered');
    });
  });

  describe('reconciler', () => {
    const hold = (ledgerAccountId: number, subject: string): HeldBalance => ({
      ledgerAccountId,
      accountId: `acc-${ledgerAccountId}`,
      purpose: 'escrow',
      subject,
      balance: 1_000_000,
      updatedAt: new Date(0).toISOString(),
    });

    async function reconcile(
      pages: HeldBalance[][],
      owners: Record<string, OwnerState>,
      input: ReconcilerInput = {},
    ) {
      w.on('findHeldBalances', async () => pages.shift() ?? []);
      w.on('describeOwnerWorkflows', async (i) =>
        Object.fromEntries(i.workflowIds.filter((id) => owners[id]).map((id) => [id, owners[id]])),
      );
      const id = `reconciler-${randomUUID()}`;
      const totals = await w.env.client.workflow.execute<ReconcilerWorkflow>(RECONCILER_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: w.taskQueue,
        args: [input],
      });
      return { id, totals };
    }

    it('when a held balance’s owner workflow is closed, then it is repaired with that owner’s state', async () => {
      const rental = randomUUID();
      const { id, totals } = await reconcile([[hold(1, `rental:${rental}`)]], {
        [`rental-${rental}`]: { state: 'closed', status: 'COMPLETED' },
      });
      expect(totals).toEqual({ scanned: 1, repaired: 1, needsOperator: 0 });
      expect(w.calls(id, 'repairHeldBalance').map((c) => c.input)).toMatchObject([
        {
          hold: { ledgerAccountId: 1 },
          ownerWorkflowId: `rental-${rental}`,
          owner: { state: 'closed', status: 'COMPLETED' },
        },
      ]);
    });

    it('when a held balance’s owner workflow is still running, then it is left alone', async () => {
      const task = randomUUID();
      const { id, totals } = await reconcile([[hold(1, `task:${task}`)]], {
        [`task-${task}`]: { state: 'running' },
      });
      expect(totals).toEqual({ scanned: 1, repaired: 0, needsOperator: 0 });
      expect(w.calls(id, 'repairHeldBalance')).toHaveLength(0);
    });

    it('when a held balance’s owner workflow is missing, then it is repaired', async () => {
      const withdrawal = randomUUID();
      const { id } = await reconcile([[hold(1, `withdrawal:${withdrawal}`)]], {
        [`withdrawal-${withdrawal}`]: { state: 'missing' },
      });
      expect(w.calls(id, 'repairHeldBalance').map((c) => c.input.ownerWorkflowId)).toEqual([
        `withdrawal-${withdrawal}`,
      ]);
    });

    it('when a held balance has an unknown subject, then it is counted but never repaired', async () => {
      const { id, totals } = await reconcile([[hold(1, 'mystery:1')]], {});
      expect(totals.scanned).toBe(1);
      expect(w.calls(id, 'describeOwnerWorkflows').map((c) => c.input.workflowIds)).toEqual([[]]);
      expect(w.calls(id, 'repairHeldBalance')).toHaveLength(0);
    });

    it('when there are several pages, then each page starts after the last account of the previous one', async () => {
      const { id, totals } = await reconcile(
        [[hold(3, 'mystery:3'), hold(8, 'mystery:8')], [hold(12, 'mystery:12')]],
        {},
        {
          graceMinutes: 5,
        },
      );
      expect(totals.scanned).toBe(3);
      expect(
        w.calls(id, 'findHeldBalances').map((c) => [c.input.afterLedgerAccountId, c.input.graceMinutes]),
      ).toEqual([
        [0, 5],
        [8, 5],
        [12, 5],
      ]);
    });

    it('when a repair needs an operator, then it is counted as such and not as repaired', async () => {
      const rental = randomUUID();
      w.on('repairHeldBalance', async () => ({
        outcome: 'needs_operator' as const,
        reason: 'balance moved twice',
      }));
      const { totals } = await reconcile([[hold(1, `rental:${rental}`)]], {
        [`rental-${rental}`]: { state: 'closed', status: 'FAILED' },
      });
      expect(totals).toEqual({ scanned: 1, repaired: 0, needsOperator: 1 });
    });
  });
});
