/**
 * One USDT deposit, `deposit-<txid>-<log_index>`: wait (block-interval timers) until its block is
 * solidified, re-check the receipt on the solidity node, then credit the ledger exactly once.
 * A transfer that fails or leaves the chain for good credits nothing.
 */
import {
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DepositCandidate, DepositCheck, TronActivities } from '../activities/tron';
import { SA } from '../domain/search-attributes';

export interface DepositWorkflowInput {
  deposit: DepositCandidate;
  /** Re-check interval: the chain's block interval. */
  pollIntervalMs: number;
  /** Confirmations required on top of the block (besides being solidified). */
  confirmations: number;
}

export type DepositOutcome = 'confirmed' | 'dropped' | 'failed';

export const depositWorkflowId = (txid: string, logIndex: number) => `deposit-${txid}-${logIndex}`;

export const depositStatusQuery = defineQuery<{ status: string; confirmations: number }>('depositStatus');

// Chain reads and Postgres writes: short, retried until they succeed (a node outage only delays).
const chain = proxyActivities<TronActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export async function depositWorkflow(input: DepositWorkflowInput): Promise<DepositOutcome> {
  const d = input.deposit;
  let status = 'pending';
  let confirmations = 0;
  setHandler(depositStatusQuery, () => ({ status, confirmations }));

  await chain.recordDeposit(d);
  let check: DepositCheck;
  for (;;) {
    check = await chain.checkDeposit({ deposit: d, confirmations: input.confirmations });
    if (check.state !== 'pending') break;
    confirmations = check.confirmations;
    // One block a poll while far from solid; in the last block poll faster, so the credit follows
    // solidification closely (bench: added latency ≤ one block interval).
    const lastBlock = confirmations >= input.confirmations - 1;
    await sleep(lastBlock ? Math.max(50, Math.floor(input.pollIntervalMs / 6)) : input.pollIntervalMs);
  }

  if (check.state === 'solid') {
    await chain.creditDeposit({
      deposit: d,
      amount: check.amount,
      blockNumber: check.blockNumber,
      confirmations: input.confirmations,
    });
    status = 'confirmed';
  } else {
    await chain.markDeposit({
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
