/**
 * Workflows that wait (for funds, solidification, a predecessor, new blocks) for 30 simulated days
 * on the time-skipping server, with stub activities and a small history limit: each continues-as-new
 * several times, carries its state, and then finishes exactly as it would have in one run.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { ChainHeads, DepositCandidate, DepositCheck } from '../../domain/deposits';
import type { TransferCheck } from '../../domain/withdrawals';
import { productionBundle } from '../harness/stack';
import { createTimeSkippingEnv, registerSearchAttributes } from '../harness/time-skipping';
import {
  DEPOSIT_WATCHER_WORKFLOW_TYPE,
  DEPOSIT_WORKFLOW_TYPE,
  type DepositWatcherWorkflow,
  type DepositWorkflow,
  depositStartOptions,
  depositWatcherCursorQuery,
  depositWatcherStartOptions,
} from '../../workflows/deposit/contract';
import {
  predecessorSettledSignal,
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  type WebhookDeliveryWorkflow,
  webhookDeliveryStartOptions,
} from '../../workflows/webhook-delivery/contract';
import {
  WITHDRAWAL_WORKFLOW_TYPE,
  type WithdrawalWorkflow,
  withdrawalStartOptions,
  withdrawalStatusQuery,
  withdrawalWorkflowId,
} from '../../workflows/withdrawal/contract';

jest.setTimeout(300_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY;
const HISTORY_LIMIT = 200;

/** Simulated (server) time of the current activity attempt. */
const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;
const runOf = () => Context.current().info.workflowExecution?.runId ?? '';

describe('bounded histories (time-skipping, 30 simulated days)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `bounded-${randomUUID()}`;
  /** Each test installs the stubs it needs; the worker dispatches to them. */
  let stubs: Record<string, (...args: never[]) => Promise<unknown>> = {};
  /** Run ids seen by activities, per workflow id. */
  const runs = new Map<string, Set<string>>();

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    const dispatch =
      (name: string) =>
      async (...args: never[]) => {
        const wf = Context.current().info.workflowExecution?.workflowId ?? '';
        if (!runs.has(wf)) runs.set(wf, new Set());
        runs.get(wf)!.add(runOf());
        const stub = stubs[name];
        if (!stub) throw new Error(`no stub for ${name}`);
        return stub(...args);
      };
    const names = [
      'holdWithdrawalFunds',
      'setWithdrawalStatus',
      'signWithdrawal',
      'broadcastWithdrawal',
      'checkWithdrawalTransfer',
      'finalizeWithdrawal',
      'refundWithdrawal',
      'recordDeposit',
      'checkDeposit',
      'creditDeposit',
      'markDeposit',
      'awaitChainHeads',
      'tronHeads',
      'loadDepositCursor',
      'tronBlockId',
      'notifySolidifiedDeposits',
      'scanDepositBlocks',
      'commitDepositScan',
      'attemptWebhookDelivery',
      'isWebhookDeliverySettled',
    ];
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await productionBundle(),
      activities: Object.fromEntries(names.map((n) => [n, dispatch(n)])),
    });
    running = worker.run();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const runsOf = (workflowId: string) => runs.get(workflowId)?.size ?? 0;

  it('a withdrawal waiting 30 days for hot-wallet funds continues-as-new, then signs once and confirms', async () => {
    const withdrawalId = randomUUID();
    const workflowId = withdrawalWorkflowId(withdrawalId);
    const startedAt = await env.currentTimeMs();
    const fundedAt = startedAt + MONTH;
    const calls = { hold: 0, signed: 0, broadcast: 0, finalized: 0, refunded: 0 };
    const statuses: string[] = [];
    stubs = {
      holdWithdrawalFunds: async () => (calls.hold++, { reviewReasons: [] }),
      setWithdrawalStatus: async (s: { status: string }) => void statuses.push(s.status),
      signWithdrawal: async () => {
        if (serverNow() < fundedAt) return { kind: 'waiting_funds', reason: 'hot wallet short' };
        calls.signed++;
        return { kind: 'signed', txid: 'tx-1', expiration: fundedAt + 60_000 };
      },
      broadcastWithdrawal: async () => (calls.broadcast++, { outcome: 'accepted' }),
      checkWithdrawalTransfer: async (): Promise<TransferCheck> =>
        calls.broadcast < 2
          ? { state: 'in_block', confirmations: 1 }
          : { state: 'confirmed', blockNumber: 7 },
      finalizeWithdrawal: async () => void calls.finalized++,
      refundWithdrawal: async () => void calls.refunded++,
    };
    const handle = await env.client.workflow.start<WithdrawalWorkflow>(
      WITHDRAWAL_WORKFLOW_TYPE,
      withdrawalStartOptions(
        {
          withdrawalId,
          accountId: 'acc',
          amount: 25_000_000,
          fee: 1_500_000,
          net: 23_500_000,
          address: 'TAddress',
          reviewTimeoutMs: 72 * HOUR,
          pollIntervalMs: 60_000,
          fundsRetryMs: HOUR,
          confirmations: 19,
          historyLimit: HISTORY_LIMIT,
        },
        taskQueue,
      ),
    );
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'confirmed', attempt: 1, txid: 'tx-1' });
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(fundedAt);
    expect(calls).toEqual({ hold: 1, signed: 1, broadcast: 2, finalized: 1, refunded: 0 });
    expect(statuses).toEqual(['waiting_funds', 'broadcast']);
    expect(runsOf(workflowId)).toBeGreaterThanOrEqual(3);
    expect((await handle.query(withdrawalStatusQuery)).status).toBe('confirmed');
  });

  it('a deposit waiting 30 days for solidification continues-as-new, then is credited once', async () => {
    const txid = randomUUID().replace(/-/g, '');
    const workflowId = `deposit-${txid}-0`;
    const startedAt = await env.currentTimeMs();
    const solidAt = startedAt + MONTH;
    const calls = { recorded: 0, checks: 0, credited: 0, marked: 0 };
    stubs = {
      recordDeposit: async () => void calls.recorded++,
      checkDeposit: async (): Promise<DepositCheck> => {
        calls.checks++;
        // A local activity: its scheduled time is the worker's clock, so ask the server's.
        return (await env.currentTimeMs()) < solidAt
          ? { state: 'pending', confirmations: 5 }
          : { state: 'solid', amount: 25_000_000, blockNumber: 7 };
      },
      creditDeposit: async () => void calls.credited++,
      markDeposit: async () => void calls.marked++,
    };
    const deposit: DepositCandidate = {
      txid,
      logIndex: 0,
      accountId: 'acc',
      address: 'TAddress',
      from: 'TFrom',
      amount: 25_000_000,
      blockNumber: 7,
      expiration: 0,
    };
    const handle = await env.client.workflow.start<DepositWorkflow>(
      DEPOSIT_WORKFLOW_TYPE,
      // Fallback poll every hour (3 block intervals).
      depositStartOptions(
        { deposit, pollIntervalMs: 20 * 60_000, confirmations: 19, historyLimit: HISTORY_LIMIT },
        taskQueue,
      ),
    );

    expect(await handle.result()).toBe('confirmed');
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(solidAt);
    expect(calls).toMatchObject({ recorded: 1, credited: 1, marked: 0 });
    expect(calls.checks).toBeGreaterThan(700);
    expect(runsOf(workflowId)).toBeGreaterThanOrEqual(3);
  });

  it('a webhook delivery waiting 30 days for its predecessor continues-as-new, then is delivered once on its signal', async () => {
    const deliveryId = randomUUID();
    const workflowId = `webhook-${deliveryId}`;
    const startedAt = await env.currentTimeMs();
    const calls = { settledChecks: 0, attempts: 0 };
    stubs = {
      isWebhookDeliverySettled: async () => (calls.settledChecks++, false),
      attemptWebhookDelivery: async () => (
        calls.attempts++,
        { state: 'delivered', outcome: 'success', status: 200, successorId: null }
      ),
    };
    const handle = await env.client.workflow.start<WebhookDeliveryWorkflow>(
      WEBHOOK_DELIVERY_WORKFLOW_TYPE,
      webhookDeliveryStartOptions(
        {
          deliveryId,
          accountId: 'acc',
          policy: 'agent-events',
          after: randomUUID(),
          predecessorRecheckMs: HOUR,
          historyLimit: HISTORY_LIMIT,
        },
        { event: 'rental_message', subject: 'rental:test', targetHost: 'receiver.test' },
        taskQueue,
      ),
    );
    await env.sleep(MONTH);
    expect(calls.attempts).toBe(0);
    await handle.signal(predecessorSettledSignal);
    const result = await handle.result();

    expect(result.state).toBe('delivered');
    expect(calls.attempts).toBe(1);
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(startedAt + MONTH);
    expect(calls.settledChecks).toBeGreaterThan(700);
    expect(runsOf(workflowId)).toBeGreaterThanOrEqual(3);
  });

  it('the deposit watcher runs 30 days across continue-as-new, scanning every block once and keeping its cursor', async () => {
    const workflowId = `deposit-watcher-${randomUUID()}`;
    const startedAt = await env.currentTimeMs();
    // A chain with one block every 15 hours (the watcher polls the head every hour) and a deposit
    // in every 4th block.
    const interval = 15 * HOUR;
    const firstBlock = 100;
    const headAt = (t: number) => firstBlock + Math.floor((t - startedAt) / interval);
    const heads = (): ChainHeads => {
      const head = headAt(serverNow());
      return { head, headBlockId: `id-${head}`, headTimestamp: serverNow(), solidified: head - 19 };
    };
    const scanned: number[] = [];
    const committed: string[] = [];
    let saved: { nextBlock: number; lastBlockId: string } | null = null;
    stubs = {
      awaitChainHeads: async () => heads(),
      tronHeads: async () => heads(),
      loadDepositCursor: async () => saved,
      tronBlockId: async (n: number) => `id-${n}`,
      notifySolidifiedDeposits: async () => 0,
      scanDepositBlocks: async (i: { from: number; to: number; expectedParent?: string }) => {
        if (i.expectedParent !== undefined && i.expectedParent !== `id-${i.from - 1}`)
          throw new Error(`parent of ${i.from} is not ${i.expectedParent}`);
        const to = Math.min(i.to, headAt(serverNow()));
        const deposits = [];
        for (let n = i.from; n <= to; n++) {
          scanned.push(n);
          if (n % 4 === 0) deposits.push({ txid: `tx-${n}`, logIndex: 0, blockNumber: n });
        }
        return { reorged: false, lastNumber: to, lastBlockId: `id-${to}`, deposits };
      },
      commitDepositScan: async (i: {
        deposits: Array<{ txid: string }>;
        nextBlock: number;
        lastBlockId: string;
      }) => {
        committed.push(...i.deposits.map((d) => d.txid));
        saved = { nextBlock: i.nextBlock, lastBlockId: i.lastBlockId };
        return i.deposits.length;
      },
    };
    const handle = await env.client.workflow.start<DepositWatcherWorkflow>(
      DEPOSIT_WATCHER_WORKFLOW_TYPE,
      depositWatcherStartOptions(
        {
          startBlock: firstBlock,
          pollIntervalMs: interval,
          blocksPerRun: 1_000_000,
          historyLimit: HISTORY_LIMIT,
        },
        { watcherId: workflowId, taskQueue, fullHost: 'stub chain' },
      ),
    );
    try {
      await env.sleep(MONTH);
      // Time stands still again: wait until the watcher has scanned what it last saw.
      let head = -1;
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const cursor = await handle.query(depositWatcherCursorQuery);
        if (cursor.nextBlock !== null && cursor.nextBlock - 1 === head) break;
        head = (cursor.nextBlock ?? 0) - 1;
        await new Promise((r) => setTimeout(r, 500));
      }
      // 30 days of 15-hour blocks, all seen.
      expect(head).toBeGreaterThanOrEqual(firstBlock + 47);
      expect(scanned).toEqual(Array.from({ length: head - firstBlock + 1 }, (_, i) => firstBlock + i));
      expect(new Set(committed).size).toBe(committed.length);
      expect(committed.length).toBe(scanned.filter((n) => n % 4 === 0).length);
      expect(saved).toEqual({ nextBlock: head + 1, lastBlockId: `id-${head}` });
      expect(runsOf(workflowId)).toBeGreaterThanOrEqual(3);
      expect((await handle.describe()).status.name).toBe('RUNNING');
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
});
