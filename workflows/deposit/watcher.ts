/**
 * The deposit watcher (one per platform, id TRON_DEPOSIT_WATCHER_ID, default `deposit-watcher`):
 * a durable block cursor that reads every block once, hands each USDT Transfer to one of our
 * deposit addresses to its own `deposit-<txid>-<log_index>` workflow, and follows reorgs by
 * rewinding to the solidified block. Continues-as-new every `blocksPerRun` blocks.
 *
 * It waits for each new head in an activity that reads the node a few times a block, and every
 * time the solidified height moves it signals the pending deposits whose block it now covers, so a
 * deposit is credited moments after solidification rather than on its next (slow, fallback) poll.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { DepositActivities } from '../../activities/deposits';
import { alertOnPermanentFailure, retryTransient } from '../failures';
import { type DepositWatcherInput, depositWatcherCursorQuery, type WatcherCursor } from './contract';

/** Blocks per scan activity: bounded work per call, catches up 100 blocks at a time. */
const SCAN_BATCH = 100;

const chain = proxyActivities<DepositActivities>({
  startToCloseTimeout: '60s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});

/**
 * Head reads per block interval while waiting for the next block: the signal to a deposit follows
 * its solidification by at most interval / HEAD_POLLS_PER_BLOCK (200 ms on 3 s blocks), for one
 * node call per read (instead of every pending deposit polling the node).
 */
const HEAD_POLLS_PER_BLOCK = 15;
/** One wait activity returns after this many block intervals even if the chain stalls. */
const HEAD_WAIT_BLOCKS = 2;

// Waits for the next block: heartbeats, so a lost worker is noticed in seconds.
const head = proxyActivities<DepositActivities>({
  startToCloseTimeout: '60s',
  heartbeatTimeout: '10s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});

/** Watchers recorded before they followed the head and signalled deposits replay the old loop. */
const FOLLOW_HEAD_PATCH = 'deposit-watcher-follow-head';
/** Watchers recorded before the history limit existed ended their runs on blocksPerRun only. */
const HISTORY_LIMIT_PATCH = 'deposit-watcher-history-limit';
/** Watchers recorded before a stalled wait was followed by a timer called the wait again at once. */
const STALL_TIMER_PATCH = 'deposit-watcher-stall-timer';
/** Watchers recorded before a chain restart was detected waited for the old chain's height. */
const CHAIN_RESTART_PATCH = 'deposit-watcher-chain-restart';

const historyIsLarge = (input: DepositWatcherInput) =>
  workflowInfo().continueAsNewSuggested ||
  (workflowInfo().historyLength >= (input.historyLimit ?? 4000) && patched(HISTORY_LIMIT_PATCH));

const headPollMs = (input: DepositWatcherInput) =>
  Math.max(50, Math.floor(input.pollIntervalMs / HEAD_POLLS_PER_BLOCK));

/** A step failing for good is an operator alert (activities/operator-alerts.ts), then a failed run. */
export async function depositWatcherWorkflow(input: DepositWatcherInput): Promise<never> {
  return alertOnPermanentFailure('deposit_watcher_failed', () => watchDeposits(input));
}

async function watchDeposits(input: DepositWatcherInput): Promise<never> {
  const cursor: WatcherCursor = {
    nextBlock: input.nextBlock ?? null,
    lastBlockId: input.lastBlockId ?? null,
    scannedThisRun: 0,
    depositsStarted: 0,
    notifiedSolidified: null,
  };
  setHandler(depositWatcherCursorQuery, () => cursor);

  while (cursor.scannedThisRun < input.blocksPerRun && !historyIsLarge(input)) {
    const followHead = patched(FOLLOW_HEAD_PATCH);
    const heads = followHead
      ? await head.awaitChainHeads({
          // Returns at once while there are blocks to scan (or on a brand-new run).
          afterHead: cursor.nextBlock === null ? undefined : cursor.nextBlock - 1,
          pollMs: headPollMs(input),
          maxWaitMs: HEAD_WAIT_BLOCKS * input.pollIntervalMs,
        })
      : await chain.tronHeads();
    if (cursor.nextBlock === null) {
      // A brand-new run: resume a previous watcher's saved cursor, else start where configured.
      const saved = await chain.loadDepositCursor(workflowInfo().workflowId);
      cursor.nextBlock = saved?.nextBlock ?? input.startBlock ?? heads.head;
      cursor.lastBlockId =
        saved?.lastBlockId ?? (cursor.nextBlock > 0 ? await chain.tronBlockId(cursor.nextBlock - 1) : null);
    }
    if (followHead && heads.solidified > (cursor.notifiedSolidified ?? -1)) {
      // First, as it is what a deposit waits for; blocks not yet scanned have no deposits to
      // signal, and a deposit workflow checks once as soon as it starts anyway.
      await chain.notifySolidifiedDeposits({ solidified: heads.solidified, head: heads.head });
      cursor.notifiedSolidified = heads.solidified;
    }
    // The head is below the last block scanned: a node behind, or another chain (a devchain
    // started afresh under a persisted cursor). On another chain, start again at its block 0.
    if (cursor.nextBlock - 1 > heads.head && patched(CHAIN_RESTART_PATCH)) {
      const { restarted } = await chain.detectChainRestart({ watcherId: workflowInfo().workflowId });
      if (restarted) {
        log.warn(
          'deposit watcher: the chain restarted below the cursor; scanning the new chain from block 0',
          {
            cursor: cursor.nextBlock,
            head: heads.head,
          },
        );
        cursor.nextBlock = 0;
        cursor.lastBlockId = null;
        cursor.notifiedSolidified = null;
        continue;
      }
    }
    if (cursor.nextBlock > heads.head) {
      if (!followHead) await sleep(input.pollIntervalMs);
      // The wait gave up without a new block (a stalled chain): one more poll period in a durable
      // timer before the next wait, so a stall costs a bounded number of events per hour.
      else if (patched(STALL_TIMER_PATCH)) await sleep(headPollMs(input));
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
