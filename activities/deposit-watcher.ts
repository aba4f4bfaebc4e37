/**
 * Starts the deposit watcher unless it is already running (idempotent: called at every worker
 * start, and by tests). Deposits are disabled when no mnemonic or USDT contract is configured.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../domain/config';
import type { Logger } from 'pino';
import {
  DEPOSIT_WATCHER_WORKFLOW_TYPE,
  type DepositWatcherWorkflow,
  depositWatcherStartOptions,
} from '../workflows/deposit/contract';

export async function ensureDepositWatcher(
  client: Client,
  config: Config,
  logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<string | undefined> {
  if (!(config.TRON_DEPOSIT_XPUB || config.TRON_DEPOSIT_MNEMONIC) || !config.TRON_USDT_CONTRACT) {
    logger?.warn('deposit watcher not started: TRON_DEPOSIT_XPUB (or _MNEMONIC) or TRON_USDT_CONTRACT unset');
    return undefined;
  }
  const handle = await client.workflow.start<DepositWatcherWorkflow>(
    DEPOSIT_WATCHER_WORKFLOW_TYPE,
    // Already running (any worker started it) → keep that one and its cursor (the contract's policy).
    depositWatcherStartOptions(
      {
        startBlock: config.TRON_DEPOSIT_START_BLOCK,
        pollIntervalMs: config.TRON_POLL_INTERVAL_MS,
        blocksPerRun: config.TRON_WATCHER_BLOCKS_PER_RUN,
      },
      {
        watcherId: config.TRON_DEPOSIT_WATCHER_ID,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        fullHost: config.TRON_FULL_HOST,
      },
    ),
  );
  logger?.info({ workflowId: handle.workflowId }, 'deposit watcher running');
  return handle.workflowId;
}
