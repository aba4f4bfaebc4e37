/**
 * One USDT deposit, `deposit-<txid>-<log_index>`: wait until its block is solidified, re-check the
 * receipt on the solidity node, then credit the ledger exactly once. A transfer that fails or
 * leaves the chain for good credits nothing.
 *
 * The deposit watcher follows the chain head and signals `depositSolidified` as soon as the
 * deposit's block is solidified, so the credit follows within moments instead of after the next
 * poll. The signal is only a hint to check now: every decision rests on `checkDeposit`'s own read
 * of the chain, and a slow fallback poll keeps deposits moving if the watcher is down or behind.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DepositActivities } from '../../activities/deposits';
import { SA } from '../../domain/search-attributes';
import { alertOnPermanentFailure, retryTransient } from '../failures';
import {
  type DepositOutcome,
  depositSolidifiedSignal,
  depositStatusQuery,
  type DepositWorkflowInput,
} from './contract';
import { DepositState, type DepositVerdict } from './state';

/**
 * Without a signal, re-check every this many block intervals: only a safety net (watcher down or
 * lagging), so it is deliberately slower than the chain; it also refreshes the confirmations shown.
 */
const FALLBACK_POLL_BLOCKS = 3;

/**
 * Deposits started before the watcher signalled solidification polled once a block with regular
 * activities: they finish (and replay) that way.
 */
const SIGNALLED_PATCH = 'deposit-solidified-signal';
/** Deposits recorded before they continued-as-new keep waiting in one run when they replay. */
const CONTINUE_AS_NEW_PATCH = 'deposit-continue-as-new';

// Chain reads and Postgres writes: short, retried until they succeed (a node outage only delays).
const retry: RetryPolicy = retryTransient({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
});
const chain = proxyActivities<DepositActivities>({ startToCloseTimeout: '30s', retry });
/**
 * The check and the credit run as local activities: a few node reads and one idempotent posting,
 * done within the workflow task the signal wakes, without a round trip through the task queue
 * each — that round trip, times every deposit of a block, was most of the added latency.
 * Re-run after a crash exactly as activities are (the credit's journal key makes that safe).
 */
const local = proxyLocalActivities<DepositActivities>({ startToCloseTimeout: '30s', retry });

/** A step failing for good is an operator alert (activities/operator-alerts.ts), then a failed run. */
export async function depositWorkflow(input: DepositWorkflowInput): Promise<DepositOutcome> {
  return alertOnPermanentFailure('deposit_failed', () => runDeposit(input));
}

async function runDeposit(input: DepositWorkflowInput): Promise<DepositOutcome> {
  const d = input.deposit;
  const deposit = new DepositState(input.carried);
  setHandler(depositStatusQuery, () => deposit.view());
  setHandler(depositSolidifiedSignal, ({ solidified }) => deposit.signalled(solidified));

  // Decided once, first: a deposit started before this change finishes the old way.
  const signalled = patched(SIGNALLED_PATCH);
  const settle = signalled ? local : chain;

  if (!input.carried) await chain.recordDeposit(d);
  let verdict: NonNullable<DepositVerdict>;
  for (;;) {
    if (historyIsLarge(input) && patched(CONTINUE_AS_NEW_PATCH)) {
      // Signal handlers only set counters; the next run checks the chain first thing anyway.
      await condition(allHandlersFinished);
      return await continueAsNew<typeof depositWorkflow>({ ...input, carried: deposit.carry() });
    }
    // Taken before the check: a signal that arrives while it runs still triggers the next one.
    const signalsBeforeCheck = deposit.signals;
    const decided = deposit.observe(
      await settle.checkDeposit({
        deposit: d,
        confirmations: input.confirmations,
        solidifiedAtLeast: deposit.signalledSolidified,
      }),
    );
    if (decided) {
      verdict = decided;
      break;
    }
    if (signalled) {
      await condition(
        () => deposit.signalledSince(signalsBeforeCheck),
        FALLBACK_POLL_BLOCKS * input.pollIntervalMs,
      );
    } else {
      // Before the signal: one poll a block, faster within the last block.
      const lastBlock = deposit.inLastBlock(input.confirmations);
      await sleep(lastBlock ? Math.max(50, Math.floor(input.pollIntervalMs / 6)) : input.pollIntervalMs);
    }
  }

  if (verdict.state === 'solid') {
    await settle.creditDeposit({
      deposit: d,
      amount: verdict.amount,
      blockNumber: verdict.blockNumber,
      confirmations: input.confirmations,
    });
  } else {
    await settle.markDeposit({
      txid: d.txid,
      logIndex: d.logIndex,
      status: verdict.state,
      reason: verdict.reason,
    });
  }
  const outcome = deposit.finished(verdict);
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: outcome }]);
  return outcome;
}

const historyIsLarge = (input: DepositWorkflowInput) =>
  workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.historyLimit ?? 2000);
