/**
 * The deposit watcher (one per platform, id TRON_DEPOSIT_WATCHER_ID, default `deposit-watcher`):
 * a durable block cursor that reads every block once, hands each USDT Transfer to one of our
 * deposit addresses to its own `deposit-<txid>-<log_index>` workflow, and follows reorgs by
 * rewinding to the solidified block. Continues-as-new every `blocksPerRun` blocks.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { TronActivities } from '../activities/tron';

export interface DepositWatcherInput {
  /** Next block to scan; unset on a brand-new watcher = start at startBlock or the head. */
  nextBlock?: number;
  /** Block id of nextBlock − 1, to detect that the chain changed under the cursor. */
  lastBlockId?: string;
  startBlock?: number;
  pollIntervalMs: number;
  blocksPerRun: number;
}

export interface WatcherCursor {
  nextBlock: number | null;
  lastBlockId: string | null;
  scannedThisRun: number;
  depositsStarted: number;
}

export const depositWatcherCursorQuery = defineQuery<WatcherCursor>('cursor');

/** Blocks per scan activity: bounded work per call, catches up 100 blocks at a time. */
const SCAN_BATCH = 100;

const chain = proxyActivities<TronActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export async function depositWatcherWorkflow(input: DepositWatcherInput): Promise<never> {
  const cursor: WatcherCursor = {
    nextBlock: input.nextBlock ?? null,
    lastBlockId: input.lastBlockId ?? null,
    scannedThisRun: 0,
    depositsStarted: 0,
  };
  setHandler(depositWatcherCursorQuery, () => cursor);

  while (cursor.scannedThisRun < input.blocksPerRun && !workflowInfo().continueAsNewSuggested) {
    const heads = await chain.tronHeads();
    if (cursor.nextBlock === null) {
      // A brand-new run: resume a previous watcher's saved cursor, else start where configured.
      const saved = await chain.loadDepositCursor(workflowInfo().workflowId);
      cursor.nextBlock = saved?.nextBlock ?? input.startBlock ?? heads.head;
      cursor.lastBlockId =
        saved?.lastBlockId ?? (cursor.nextBlock > 0 ? await chain.tronBlockId(cursor.nextBlock - 1) : null);
    }
    if (cursor.nextBlock > heads.head) {
      await sleep(input.pollIntervalMs);
      continue;
    }
    const to = Math.min(heads.head, cursor.nextBlock + SCAN_BATCH - 1);
    const scan = await chain.scanDepositBlocks({
      from: cursor.nextBlock,
      to,
      expectedParent: cursor.lastBlockId ?? undefined,
    });
    if (scan.reorged) {
      // Everything above the solidified block may have changed: rescan it. Deposits seen before
      // keep their workflows (same ids), which re-check the chain themselves.
      const rewindTo = Math.min(cursor.nextBlock - 1, heads.solidified + 1);
      cursor.nextBlock = Math.max(0, rewindTo);
      cursor.lastBlockId = cursor.nextBlock > 0 ? await chain.tronBlockId(cursor.nextBlock - 1) : null;
      continue;
    }
    cursor.depositsStarted += await chain.commitDepositScan({
      watcherId: workflowInfo().workflowId,
      deposits: scan.deposits,
      nextBlock: scan.lastNumber + 1,
      lastBlockId: scan.lastBlockId,
    });
    cursor.scannedThisRun += scan.lastNumber - cursor.nextBlock + 1;
    cursor.nextBlock = scan.lastNumber + 1;
    cursor.lastBlockId = scan.lastBlockId;
  }

  await condition(allHandlersFinished);
  return continueAsNew<typeof depositWatcherWorkflow>({
    ...input,
    nextBlock: cursor.nextBlock ?? undefined,
    lastBlockId: cursor.lastBlockId ?? undefined,
  });
}
