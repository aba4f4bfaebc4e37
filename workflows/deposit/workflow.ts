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
import type { DepositCheck, TronActivities } from '../../activities/tron';
import { SA } from '../../domain/search-attributes';
import { alertOnPermanentFailure, retryTransient } from '../failures';
import {
  type DepositOutcome,
  depositSolidifiedSignal,
  depositStatusQuery,
  type DepositWorkflowInput,
} from './contract';

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
/**
 * "Dropped" takes this many `missing` answers in a row, each at a higher solidified height than
 * the last: one failed lookup (or a node lagging behind) never drops a deposit.
 */
export const DROP_AGREEING_LOOKUPS = 3;

// Chain reads and Postgres writes: short, retried until they succeed (a node outage only delays).
const retry: RetryPolicy = retryTransient({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
});
const chain = proxyActivities<TronActivities>({ startToCloseTimeout: '30s', retry });
/**
 * The check and the credit run as local activities: a few node reads and one idempotent posting,
 * done within the workflow task the signal wakes, without a round trip through the task queue
 * each — that round trip, times every deposit of a block, was most of the added latency.
 * Re-run after a crash exactly as activities are (the credit's journal key makes that safe).
 */
const local = proxyLocalActivities<TronActivities>({ startToCloseTimeout: '30s', retry });

/** A step failing for good is an operator alert (activities/operator-alerts.ts), then a failed run. */
export async function depositWorkflow(input: DepositWorkflowInput): Promise<DepositOutcome> {
  return alertOnPermanentFailure('deposit_failed', () => runDeposit(input));
}

async function runDeposit(input: DepositWorkflowInput): Promise<DepositOutcome> {
  const d = input.deposit;
  let status = 'pending';
  let confirmations = input.carried?.confirmations ?? 0;
  setHandler(depositStatusQuery, () => ({ status, confirmations }));
  // Every signal means "check again" (a duplicate costs one read); the height it carries only
  // tells the check how fresh its view of the chain must be.
  let signals = 0;
  let signalledSolidified = input.carried?.signalledSolidified ?? 0;
  let misses = input.carried?.misses ?? 0;
  let lastMissSolidified = input.carried?.lastMissSolidified ?? -1;
  setHandler(depositSolidifiedSignal, ({ solidified }) => {
    signals++;
    signalledSolidified = solidified;
  });

  // Decided once, first: a deposit started before this change finishes the old way.
  const signalled = patched(SIGNALLED_PATCH);
  const settle = signalled ? local : chain;

  if (!input.carried) await chain.recordDeposit(d);
  let check: DepositCheck;
  for (;;) {
    if (historyIsLarge(input) && patched(CONTINUE_AS_NEW_PATCH)) {
      // Signal handlers only set counters; the next run checks the chain first thing anyway.
      await condition(allHandlersFinished);
      return await continueAsNew<typeof depositWorkflow>({
        ...input,
        carried: { confirmations, signalledSolidified, misses, lastMissSolidified },
      });
    }
    // Taken before the check: a signal that arrives while it runs still triggers the next one.
    const signalsBeforeCheck = signals;
    check = await settle.checkDeposit({
      deposit: d,
      confirmations: input.confirmations,
      solidifiedAtLeast: signalledSolidified,
    });
    if (check.state === 'missing') {
      if (check.solidified > lastMissSolidified) {
        misses++;
        lastMissSolidified = check.solidified;
      }
      if (misses >= DROP_AGREEING_LOOKUPS) {
        check = { state: 'dropped', reason: 'transaction never reached the solidified chain and expired' };
        break;
      }
    } else if (check.state !== 'pending') {
      break;
    } else {
      misses = 0;
      confirmations = check.confirmations;
    }
    if (signalled) {
      await condition(() => signals > signalsBeforeCheck, FALLBACK_POLL_BLOCKS * input.pollIntervalMs);
    } else {
      // Before the signal: one poll a block, faster within the last block.
      const lastBlock = confirmations >= input.confirmations - 1;
      await sleep(lastBlock ? Math.max(50, Math.floor(input.pollIntervalMs / 6)) : input.pollIntervalMs);
    }
  }

  if (check.state === 'solid') {
    await settle.creditDeposit({
      deposit: d,
      amount: check.amount,
      blockNumber: check.blockNumber,
      confirmations: input.confirmations,
    });
    status = 'confirmed';
  } else {
    await settle.markDeposit({
      txid: d.txid,
      logIndex: d.logIndex,
      status: check.state,
      reason: check.reason,
    });
    status = check.state;
  }
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: status }]);
  return status as DepositOutcome;
}

const historyIsLarge = (input: DepositWorkflowInput) =>
  workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.historyLimit ?? 2000);
