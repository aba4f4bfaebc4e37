/** TRON activities: deposits (watcher + per-deposit) and withdrawals. */
import type { ActivityDeps } from './deps';
import { createTronDepositActivities } from './tron-deposits';
import { createTronWithdrawalActivities } from './tron-withdrawals';

export function createTronActivities(deps: ActivityDeps) {
  return {
    ...createTronDepositActivities(deps),
    ...createTronWithdrawalActivities(deps),
  };
}

export type TronActivities = ReturnType<typeof createTronActivities>;
export type { DepositCandidate, DepositCheck, ScanResult, ChainHeads } from './tron-deposits';
export type {
  BroadcastOutcome,
  SignResult,
  TransferCheck,
  WithdrawalRequest,
  WithdrawalStatus,
} from './tron-withdrawals';
