/**
 * What the withdrawal and deposit workflows decide, on the time-skipping server with stub
 * activities (no Postgres, no devchain): the review path, signing once, confirmation, refunds, and
 * a deposit credited exactly once or dropped only when lookups agree.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { DepositCandidate, DepositCheck } from '../../domain/deposits';
import type { SignResult, TransferCheck } from '../../domain/withdrawals';
import { ErrorCode } from '../../domain/errors';
import { businessStatusOf, startStubWorker, type StubWorker } from '../harness/stub-worker';
// Workflow modules (one block, so it is repointed in one place when the workflows move).
import {
  DEPOSIT_WORKFLOW_TYPE,
  depositSolidifiedSignal,
  type DepositWorkflow,
  depositWorkflowId,
  type DepositWorkflowInput,
} from '../../workflows/deposit/contract';
import {
  reviewWithdrawalUpdate,
  WITHDRAWAL_WORKFLOW_TYPE,
  type WithdrawalInput,
  withdrawalStatusQuery,
  type WithdrawalWorkflow,
  withdrawalWorkflowId,
} from '../../workflows/withdrawal/contract';

const HOUR = 3_600_000;

function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure && e.type) return e.type;
  return String(err);
}

describe('withdrawal and deposit workflow decisions (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker({
      async holdWithdrawalFunds() {
        return { reviewReasons: [] };
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
      async recordDeposit() {},
      async checkDeposit() {
        return { state: 'solid', amount: 25_000_000, blockNumber: 7 };
      },
      async creditDeposit() {},
      async markDeposit() {},
    });
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  describe('withdrawal', () => {
    async function startWithdrawal(): Promise<{
      input: WithdrawalInput;
      id: string;
      handle: WorkflowHandle<WithdrawalWorkflow>;
    }> {
      const withdrawalId = randomUUID();
      const input: WithdrawalInput = {
        withdrawalId,
        accountId: `acc-${randomUUID()}`,
        amount: 25_000_000,
        fee: 1_500_000,
        net: 23_500_000,
        address: 'TAddress',
        reviewTimeoutMs: 72 * HOUR,
        pollIntervalMs: 60_000,
        fundsRetryMs: HOUR,
        confirmations: 19,
      };
      const id = withdrawalWorkflowId(withdrawalId);
      const handle = await w.env.client.workflow.start<WithdrawalWorkflow>(WITHDRAWAL_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: w.taskQueue,
        args: [input],
      });
      return { input, id, handle };
    }
    const statuses = (id: string) => w.calls(id, 'setWithdrawalStatus').map((c) => c.input.status);
    const inReview = () =>
      w.on('holdWithdrawalFunds', async () => ({
        reviewReasons: ['new_address' as const, 'large_amount' as const],
      }));
    /** Queries until the workflow has recorded the review status. */
    async function reviewed(handle: WorkflowHandle<WithdrawalWorkflow>): Promise<void> {
      for (let i = 0; i < 100 && (await handle.query(withdrawalStatusQuery)).status !== 'review'; i++)
        await new Promise((r) => setTimeout(r, 50));
    }

    it('when no risk rule fires, then it signs once, broadcasts and finalizes on confirmation', async () => {
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed', attempt: 1 });
      expect(w.calls(x.id).map((c) => c.name)).toEqual([
        'holdWithdrawalFunds',
        'signWithdrawal',
        'broadcastWithdrawal',
        'setWithdrawalStatus',
        'checkWithdrawalTransfer',
        'finalizeWithdrawal',
      ]);
      expect(w.calls(x.id, 'finalizeWithdrawal')[0].input).toMatchObject({ ...x.input, blockNumber: 7 });
    });

    it('when the hold is refused, then the workflow fails with that code, shows refused, without an operator alert', async () => {
      w.on('holdWithdrawalFunds', async () => {
        throw ApplicationFailure.nonRetryable('insufficient balance', ErrorCode.InsufficientBalance);
      });
      const x = await startWithdrawal();
      expect(codeOf(await x.handle.result().catch((e: unknown) => e))).toBe(ErrorCode.InsufficientBalance);
      expect(await businessStatusOf(x.handle)).toBe('refused');
      expect(w.calls(x.id, 'raiseOperatorAlert')).toHaveLength(0);
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
    });

    it('when a risk rule fires, then it waits in review with the reasons and signs nothing', async () => {
      inReview();
      const x = await startWithdrawal();
      await reviewed(x.handle);
      expect(w.calls(x.id, 'setWithdrawalStatus').map((c) => c.input)).toEqual([
        { withdrawalId: x.input.withdrawalId, status: 'review', reason: 'new_address,large_amount' },
      ]);
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
      await x.handle.executeUpdate(reviewWithdrawalUpdate, { args: [{ approve: false, operatorId: 'op' }] });
    });

    it('when an operator approves a reviewed withdrawal, then it is queued by that operator and sent', async () => {
      inReview();
      const x = await startWithdrawal();
      await reviewed(x.handle);
      const answer = await x.handle.executeUpdate(reviewWithdrawalUpdate, {
        args: [{ approve: true, operatorId: 'op-1' }],
      });
      expect(answer.status).toBe('queued');
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed' });
      expect(w.calls(x.id, 'setWithdrawalStatus')[1].input).toMatchObject({
        status: 'queued',
        decidedBy: 'op-1',
      });
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(1);
    });

    it('when an operator rejects a reviewed withdrawal, then the held funds are refunded with the reason and nothing is signed', async () => {
      inReview();
      const x = await startWithdrawal();
      await reviewed(x.handle);
      await x.handle.executeUpdate(reviewWithdrawalUpdate, {
        args: [{ approve: false, operatorId: 'op-1', reason: 'sanctioned address' }],
      });
      expect(await x.handle.result()).toMatchObject({ status: 'rejected', reason: 'sanctioned address' });
      expect(w.calls(x.id, 'refundWithdrawal').map((c) => c.input)).toEqual([
        { ...x.input, status: 'rejected', reason: 'sanctioned address', decidedBy: 'op-1' },
      ]);
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(0);
    });

    it('when nobody reviews within the review timeout, then it is rejected and refunded', async () => {
      inReview();
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({
        status: 'rejected',
        reason: 'no review decision in time',
      });
      expect(w.calls(x.id, 'refundWithdrawal')).toHaveLength(1);
    });

    it('when a second decision comes for a reviewed withdrawal, then it is a conflict', async () => {
      inReview();
      const x = await startWithdrawal();
      await reviewed(x.handle);
      await x.handle.executeUpdate(reviewWithdrawalUpdate, { args: [{ approve: true, operatorId: 'op-1' }] });
      const refused = await x.handle
        .executeUpdate(reviewWithdrawalUpdate, { args: [{ approve: false, operatorId: 'op-2' }] })
        .catch((e: unknown) => e);
      expect(codeOf(refused)).toBe(ErrorCode.Conflict);
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed' });
      expect(w.calls(x.id, 'refundWithdrawal')).toHaveLength(0);
    });

    it('when the transfer fails on chain, then the funds are refunded as failed with the chain’s reason', async () => {
      w.on('checkWithdrawalTransfer', async (): Promise<TransferCheck> => ({
        state: 'failed',
        reason: 'OUT_OF_ENERGY',
      }));
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({ status: 'failed', reason: 'OUT_OF_ENERGY' });
      expect(w.calls(x.id, 'refundWithdrawal').map((c) => c.input)).toEqual([
        { ...x.input, status: 'failed', reason: 'OUT_OF_ENERGY' },
      ]);
      expect(w.calls(x.id, 'finalizeWithdrawal')).toHaveLength(0);
    });

    it('when the hot wallet is short, then it waits and signs once the funds are there', async () => {
      let short = 2;
      w.on('signWithdrawal', async (i): Promise<SignResult> =>
        short-- > 0
          ? { kind: 'waiting_funds', reason: 'hot wallet short' }
          : { kind: 'signed', txid: `tx-${i.withdrawalId}`, expiration: 0 },
      );
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed', attempt: 1 });
      expect(statuses(x.id)).toEqual(['waiting_funds', 'broadcast']);
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(3);
    });

    it('when one lookup says expired, then it rebroadcasts the same attempt instead of signing again', async () => {
      const answers: TransferCheck[] = [
        { state: 'expired', solidified: 100 },
        { state: 'confirmed', blockNumber: 9 },
      ];
      w.on('checkWithdrawalTransfer', async () => answers.shift()!);
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed', attempt: 1 });
      expect(w.calls(x.id, 'signWithdrawal')).toHaveLength(1);
      expect(w.calls(x.id, 'broadcastWithdrawal').map((c) => c.input.attempt)).toEqual([1, 1]);
    });

    it('when three lookups at rising heights agree it expired, then a second attempt is signed', async () => {
      const answers: TransferCheck[] = [
        { state: 'expired', solidified: 100 },
        { state: 'expired', solidified: 100 }, // same height: does not count
        { state: 'expired', solidified: 101 },
        { state: 'expired', solidified: 102 },
        { state: 'confirmed', blockNumber: 9 },
      ];
      w.on('checkWithdrawalTransfer', async () => answers.shift()!);
      const x = await startWithdrawal();
      expect(await x.handle.result()).toMatchObject({ status: 'confirmed', attempt: 2 });
      expect(w.calls(x.id, 'signWithdrawal').map((c) => c.input.attempt)).toEqual([1, 2]);
    });
  });

  describe('deposit', () => {
    async function startDeposit(
      over: Partial<DepositWorkflowInput> = {},
    ): Promise<{ deposit: DepositCandidate; id: string; handle: WorkflowHandle<DepositWorkflow> }> {
      const deposit: DepositCandidate = {
        txid: randomUUID().replace(/-/g, ''),
        logIndex: 0,
        accountId: `acc-${randomUUID()}`,
        address: 'TAddress',
        from: 'TFrom',
        amount: 25_000_000,
        blockNumber: 7,
        expiration: 0,
      };
      const id = depositWorkflowId(deposit.txid, deposit.logIndex);
      const handle = await w.env.client.workflow.start<DepositWorkflow>(DEPOSIT_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: w.taskQueue,
        args: [{ deposit, pollIntervalMs: 3_000, confirmations: 19, ...over }],
      });
      return { deposit, id, handle };
    }
    const checksAnswer = (answers: DepositCheck[]) => w.on('checkDeposit', async () => answers.shift()!);

    it('when the deposit’s block is solidified, then it is credited once with the checked amount and block', async () => {
      const d = await startDeposit();
      expect(await d.handle.result()).toBe('confirmed');
      expect(w.calls(d.id, 'recordDeposit').map((c) => c.input)).toEqual([d.deposit]);
      expect(w.calls(d.id, 'creditDeposit').map((c) => c.input)).toEqual([
        { deposit: d.deposit, amount: 25_000_000, blockNumber: 7, confirmations: 19 },
      ]);
      expect(w.calls(d.id, 'markDeposit')).toHaveLength(0);
    });

    it('when the watcher signals solidification, then the next check asks for at least that height and credits once', async () => {
      let solid = false;
      w.on('checkDeposit', async (): Promise<DepositCheck> =>
        solid
          ? { state: 'solid', amount: 25_000_000, blockNumber: 7 }
          : { state: 'pending', confirmations: 3 },
      );
      const d = await startDeposit({ pollIntervalMs: HOUR });
      for (let i = 0; i < 100 && w.calls(d.id, 'checkDeposit').length === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      solid = true;
      await d.handle.signal(depositSolidifiedSignal, { solidified: 42 });
      expect(await d.handle.result()).toBe('confirmed');
      expect(w.calls(d.id, 'checkDeposit').map((c) => c.input.solidifiedAtLeast)).toEqual([0, 42]);
      expect(w.calls(d.id, 'creditDeposit')).toHaveLength(1);
    });

    it('when lookups at three rising solidified heights miss it, then it is dropped and nothing is credited', async () => {
      checksAnswer([
        { state: 'missing', solidified: 100 },
        { state: 'missing', solidified: 100 }, // same height: does not count
        { state: 'missing', solidified: 101 },
        { state: 'missing', solidified: 102 },
      ]);
      const d = await startDeposit();
      expect(await d.handle.result()).toBe('dropped');
      expect(w.calls(d.id, 'checkDeposit')).toHaveLength(4);
      expect(w.calls(d.id, 'markDeposit').map((c) => c.input)).toMatchObject([
        { txid: d.deposit.txid, logIndex: 0, status: 'dropped' },
      ]);
      expect(w.calls(d.id, 'creditDeposit')).toHaveLength(0);
    });

    it('when a miss is followed by a pending answer, then the misses start over and the deposit is credited', async () => {
      checksAnswer([
        { state: 'missing', solidified: 100 },
        { state: 'missing', solidified: 101 },
        { state: 'pending', confirmations: 5 },
        { state: 'missing', solidified: 102 },
        { state: 'solid', amount: 25_000_000, blockNumber: 7 },
      ]);
      const d = await startDeposit();
      expect(await d.handle.result()).toBe('confirmed');
      expect(w.calls(d.id, 'creditDeposit')).toHaveLength(1);
    });

    it('when the transfer failed on chain, then it is marked failed and nothing is credited', async () => {
      checksAnswer([{ state: 'failed', reason: 'REVERT' }]);
      const d = await startDeposit();
      expect(await d.handle.result()).toBe('failed');
      expect(w.calls(d.id, 'markDeposit').map((c) => c.input)).toEqual([
        { txid: d.deposit.txid, logIndex: 0, status: 'failed', reason: 'REVERT' },
      ]);
      expect(w.calls(d.id, 'creditDeposit')).toHaveLength(0);
    });
  });
});
