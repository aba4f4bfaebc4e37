/**
 * The state of one deposit, kept in one small class so the workflow reads as its lifecycle:
 * the watcher's hints, the agreeing `missing` answers that make a drop, and the outcome.
 * Pure transitions; the chain reads, the credit and the timers live in workflow.ts.
 */
import type { DepositCheck } from '../../domain/deposits';
import type { DepositCarried, DepositOutcome } from './contract';

/**
 * "Dropped" takes this many `missing` answers in a row, each at a higher solidified height than
 * the last: one failed lookup (or a node lagging behind) never drops a deposit.
 */
export const DROP_AGREEING_LOOKUPS = 3;

/** What a check decided: the deposit is final (credit or mark it), or the workflow waits again. */
export type DepositVerdict = Exclude<DepositCheck, { state: 'pending' } | { state: 'missing' }> | null;

export class DepositState {
  status = 'pending';
  confirmations: number;
  /** Every signal means "check again" (a duplicate costs one read). */
  signals = 0;
  /** The height the last signal carried: how fresh the check's view of the chain must be. */
  signalledSolidified: number;
  misses: number;
  lastMissSolidified: number;

  constructor(carried?: DepositCarried) {
    this.confirmations = carried?.confirmations ?? 0;
    this.signalledSolidified = carried?.signalledSolidified ?? 0;
    this.misses = carried?.misses ?? 0;
    this.lastMissSolidified = carried?.lastMissSolidified ?? -1;
  }

  view(): { status: string; confirmations: number } {
    return { status: this.status, confirmations: this.confirmations };
  }

  /** The watcher saw the chain solidified up to `solidified`. */
  signalled(solidified: number): void {
    this.signals++;
    this.signalledSolidified = solidified;
  }

  /** Whether a signal arrived since `signalsBefore` was taken. */
  signalledSince(signalsBefore: number): boolean {
    return this.signals > signalsBefore;
  }

  /** What a continued run starts from (a next run checks the chain first thing anyway). */
  carry(): DepositCarried {
    return {
      confirmations: this.confirmations,
      signalledSolidified: this.signalledSolidified,
      misses: this.misses,
      lastMissSolidified: this.lastMissSolidified,
    };
  }

  /**
   * Takes one check's answer: the final outcome, or null to wait for the next. `missing` counts
   * only at a higher solidified height than the last one, and drops once enough agree.
   */
  observe(check: DepositCheck): DepositVerdict {
    if (check.state === 'missing') {
      if (check.solidified > this.lastMissSolidified) {
        this.misses++;
        this.lastMissSolidified = check.solidified;
      }
      if (this.misses >= DROP_AGREEING_LOOKUPS)
        return { state: 'dropped', reason: 'transaction never reached the solidified chain and expired' };
      return null;
    }
    if (check.state !== 'pending') return check;
    this.misses = 0;
    this.confirmations = check.confirmations;
    return null;
  }

  /** Before the watcher's signal existed: within the last block the workflow polled faster. */
  inLastBlock(required: number): boolean {
    return this.confirmations >= required - 1;
  }

  /** The deposit was credited (`solid`) or marked dropped / failed. */
  finished(verdict: NonNullable<DepositVerdict>): DepositOutcome {
    this.status = verdict.state === 'solid' ? 'confirmed' : verdict.state;
    return this.status as DepositOutcome;
  }
}
