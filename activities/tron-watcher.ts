/**
 * Starts the deposit watcher unless it is already running (idempotent: called at every worker
 * start, and by tests). Deposits are disabled when no mnemonic or USDT contract is configured.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../domain/config';
import type { Logger } from '../worker/logger';
import { SA } from '../domain/search-attributes';
import { depositWatcherWorkflow } from '../workflows/deposit-watcher';

export async function ensureDepositWatcher(
  client: Client,
  config: Config,
  logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<string | undefined> {
  if (!(config.TRON_DEPOSIT_XPUB || config.TRON_DEPOSIT_MNEMONIC) || !config.TRON_USDT_CONTRACT) {
    logger?.warn('deposit watcher not started: TRON_DEPOSIT_XPUB (or _MNEMONIC) or TRON_USDT_CONTRACT unset');
    return undefined;
  }
  const handle = await client.workflow.start(depositWatcherWorkflow, {
    workflowId: config.TRON_DEPOSIT_WATCHER_ID,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [
      {
        startBlock: config.TRON_DEPOSIT_START_BLOCK,
        pollIntervalMs: config.TRON_POLL_INTERVAL_MS,
        blocksPerRun: config.TRON_WATCHER_BLOCKS_PER_RUN,
      },
    ],
    // Already running (any worker started it) → keep that one and its cursor.
    workflowIdConflictPolicy: 'USE_EXISTING',
    memo: { summary: `USDT deposit watcher on ${config.TRON_FULL_HOST}` },
    staticSummary: `USDT deposit watcher on ${config.TRON_FULL_HOST}`,
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'deposit-watcher' },
      { key: SA.BusinessStatus, value: 'watching' },
    ],
  });
  logger?.info({ workflowId: handle.workflowId }, 'deposit watcher running');
  return handle.workflowId;
}
