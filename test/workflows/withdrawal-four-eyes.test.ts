/**
 * Four eyes on large withdrawals (issue 24.1), as the withdrawal workflow decides them on the
 * time-skipping server with stub activities: above `secondApproverAbove` the first approval is
 * recorded and the withdrawal stays in review until a second, different operator approves; the
 * same operator cannot approve twice; any operator may reject; an unfinished approval times out
 * as a rejection. At or below the threshold, and for withdrawals started before it existed, one
 * approval decides.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { startStubWorker, type StubWorker } from '../harness/stub-worker';
import {
  reviewWithdrawalUpdate,
  WITHDRAWAL_WORKFLOW_TYPE,
  type WithdrawalInput,
  withdrawalStatusQuery,
  type WithdrawalWorkflow,
  withdrawalWorkflowId,
} from '../../workflows/withdrawal/contract';

const HOUR = 3_600_000;
const USDT = 1_000_000;

/** The wire code of a refused update (the first business failure in its cause chain). */
function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure && e.type) {
      const details = (e.details?.[0] ?? {}) as { code?: string };
      return details.code ?? e.type;
    }
  return String(err);
}

describe('withdrawal four eyes (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker({
      async holdWithdrawalFunds() {
        return { reviewReasons: ['large_amount' as const] };
      },
      async setWithdrawalStatus() {},
      async signWithdrawal(i) {
        return { kind: 'signed', txid: `tx-${i.withdrawalId}-${i.attempt}`, expiration: 0 };
      },
      async broadcastWithdrawal() {
        return { outcome: 'accepted' };
      },
      async checkWithdrawalTransfer() {
        return { state: 'confirmed', blockNumber: 7 };
      },
      async finalizeWithdrawal() {},
      async refundWithdrawal() {},
      async raiseOperatorAlert() {},
    });
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  async function startWithdrawal(
    amountUsdt: number,
    secondApproverAboveUsdt: number | null = 1000,
  ): Promise<{ id: string; handle: WorkflowHandle<WithdrawalWorkflow> }> {
    const withdrawalId = randomUUID();
    const input: WithdrawalInput = {
      withdrawalId,
      accountId: `acc-${randomUUID()}`,
      amount: amountUsdt * USDT,
      fee: 1_500_000,
      net: amountUsdt * USDT - 1_500_000,
      address: 'TAddress',
      reviewTimeoutMs: 72 * HOUR,
      pollIntervalMs: 60_000,
      fundsRetryMs: HOUR,
      confirmations: 19,
      ...(secondApproverAboveUsdt === null ? {} : { secondApproverAbove: secondApproverAboveUsdt * USDT }),
    };
    const id = withdrawalWorkflowId(withdrawalId);
    const handle = await w.env.client.workflow.start<WithdrawalWorkflow>(WITHDRAWAL_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: w.taskQueue,
      args: [input],
    });
    for (let i = 0; i < 100 && (await handle.query(withdrawalStatusQuery)).status !== 'review'; i++)
      await new Promise((r) => setTimeout(r, 50));
    return { id, handle };
  }
  const decide = (h: WorkflowHandle<WithdrawalWorkflow>, approve: boolean, operatorId: string) =>
    h.executeUpdate(reviewWithdrawalUpdate, { args: [{ approve, operatorId, reason: 'checked' }] });

  it('when one operator approves a withdrawal above the threshold, then it stays in review with that approval recorded and signs nothing', async () => {
    const x = await startWithdrawal(1500);

    const answer = await decide(x.handle, true, 'op-1');

    expect(answer).toMatchObject({ status: 'review', approvedBy: ['op-1'] });
    expect(await x.handle.query(withdrawalStatusQuery)).toMatchObject({
      status: 'review',
      approvedBy: ['op-1'],
    });
    expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
  });

  it('when a second, different operator approves, then it is queued by that operator and sent', async () => {
    const x = await startWithdrawal(1500);
    await decide(x.handle, true, 'op-1');

    const answer = await decide(x.handle, true, 'op-2');

    expect(answer.status).toBe('queued');
    expect(await x.handle.result()).toMatchObject({ status: 'confirmed' });
    expect(w.calls(x.id, 'setWithdrawalStatus').map((c) => c.input)).toContainEqual(
      expect.objectContaining({ status: 'queued', decidedBy: 'op-2' }),
    );
  });

  it('when the operator who approved first approves again, then it is refused and it stays in review', async () => {
    const x = await startWithdrawal(1500);
    await decide(x.handle, true, 'op-1');

    const refused = await decide(x.handle, true, 'op-1').catch((e: unknown) => e);

    expect(codeOf(refused)).toBe('second_approver_required');
    expect(await x.handle.query(withdrawalStatusQuery)).toMatchObject({
      status: 'review',
      approvedBy: ['op-1'],
    });
    expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
  });

  it('when another operator rejects after a first approval, then the held funds are refunded', async () => {
    const x = await startWithdrawal(1500);
    await decide(x.handle, true, 'op-1');

    await decide(x.handle, false, 'op-2');

    expect(await x.handle.result()).toMatchObject({ status: 'rejected', reason: 'checked' });
    expect(w.calls(x.id, 'refundWithdrawal')).toHaveLength(1);
    expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
  });

  it('when the second approval does not come within the review timeout, then it is rejected and refunded', async () => {
    const x = await startWithdrawal(1500);
    await decide(x.handle, true, 'op-1');

    expect(await x.handle.result()).toMatchObject({
      status: 'rejected',
      reason: 'no second approval in time',
    });
    expect(w.calls(x.id, 'refundWithdrawal')).toHaveLength(1);
  });

  it('when the amount is exactly the threshold, then one approval decides', async () => {
    const x = await startWithdrawal(1000);

    expect((await decide(x.handle, true, 'op-1')).status).toBe('queued');
    expect(await x.handle.result()).toMatchObject({ status: 'confirmed' });
  });

  it('when a withdrawal was started without a threshold (before four eyes), then one approval decides', async () => {
    const x = await startWithdrawal(5000, null);

    expect((await decide(x.handle, true, 'op-1')).status).toBe('queued');
    expect(await x.handle.result()).toMatchObject({ status: 'confirmed' });
  });
});
