/** TRON activities: deposits (watcher + per-deposit) and withdrawals. */
import type { ActivityDeps } from './deps';
import { createTronDepositActivities } from './deposits';
import { createTronWithdrawalActivities } from './withdrawals';

export function createTronActivities(deps: ActivityDeps) {
  return {
    ...createTronDepositActivities(deps),
    ...createTronWithdrawalActivities(deps),
  };
}

export type TronActivities = ReturnType<typeof createTronActivities>;
export type { DepositCandidate, DepositCheck, ScanResult, ChainHeads } from './deposits';
export type {
  BroadcastOutcome,
  SignResult,
  TransferCheck,
  WithdrawalRequest,
  WithdrawalStatus,
} from './withdrawals';
