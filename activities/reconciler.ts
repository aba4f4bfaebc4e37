/**
 * The reconciler's activities: find held/escrow balances past the grace period, ask Temporal about
 * their owner workflows, and repair a balance whose owner is closed or missing with one keyed,
 * audited journal back to the owner's available balance (+ a `reconciler_repairs` row and a log
 * line, in the same transaction as the journal). What must not be repaired automatically (a withdrawal
 * that signed a transfer) raises an `ownerless_hold` operator alert instead.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { withTransaction } from '../db/pool';
import { AppError } from '../domain/errors';
import { HOLD_PURPOSES, holdOwnerOf, holdRepairKey } from '../domain/holds';
import { postJournal } from '../db/ledger';
import type { Micro } from '../domain/money';
import { escrowToKeep } from '../domain/task-store';
import { findTask } from '../db/tasks';
import type { ActivityDeps } from './deps';
import { reconcilerRepairedMicro, reconcilerRepairs } from './metrics';
import {
  holdAccountsToCheck,
  insertReconcilerRepair,
  ledgerAccountBalance,
  reconcilerRepairExists,
  withdrawalAttemptExists,
} from '../db/reconciler';
import { alertUnownedHold } from '../db/operator-alerts';

export interface HeldBalance {
  ledgerAccountId: number;
  accountId: string;
  purpose: 'held' | 'escrow';
  subject: string;
  balance: Micro;
  /** Last posting on the account (ISO); the repair re-checks it so a moving balance is left alone. */
  updatedAt: string;
}

export interface FindHeldBalancesInput {
  /** Unset: RECONCILER_GRACE_MINUTES. */
  graceMinutes?: number;
  /** Only these accounts' balances (an operator repairing one account; tests). */
  accountIds?: string[];
  afterLedgerAccountId: number;
  limit: number;
}

export type OwnerState = { state: 'running' } | { state: 'missing' } | { state: 'closed'; status: string };

export type RepairOutcome =
  | { outcome: 'repaired'; amount: Micro; journalId: string }
  | { outcome: 'already_repaired' }
  | { outcome: 'nothing_to_repair' }
  | { outcome: 'balance_moved' }
  | { outcome: 'needs_operator'; reason: string };

export interface RepairHeldBalanceInput {
  hold: HeldBalance;
  ownerWorkflowId: string;
  owner: OwnerState;
  reconcilerRun: string;
}

export function createReconcilerActivities({ db, config, logger, temporal }: ActivityDeps) {
  return {
    /** One page of non-zero held/escrow balances untouched for longer than the grace period. */
    async findHeldBalances(input: FindHeldBalancesInput): Promise<HeldBalance[]> {
      const grace = input.graceMinutes ?? config.RECONCILER_GRACE_MINUTES;
      const r = await holdAccountsToCheck(
        db,
        HOLD_PURPOSES,
        grace,
        input.afterLedgerAccountId,
        input.accountIds ?? null,
        input.limit,
      );
      return r.rows.map((a) => ({
        ledgerAccountId: a.id,
        accountId: a.owner_id,
        purpose: a.purpose,
        subject: a.subject,
        balance: a.balance,
        updatedAt: a.updated_at.toISOString(),
      }));
    },

    /** Describe of each owner workflow (latest run, so a continued-as-new owner is running). */
    async describeOwnerWorkflows(input: { workflowIds: string[] }): Promise<Record<string, OwnerState>> {
      const states: Record<string, OwnerState> = {};
      await Promise.all(
        input.workflowIds.map(async (id) => {
          try {
            const d = await temporal.workflow.getHandle(id).describe();
            states[id] =
              d.status.name === 'RUNNING' ? { state: 'running' } : { state: 'closed', status: d.status.name };
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            states[id] = { state: 'missing' };
          }
        }),
      );
      return states;
    },

    /**
     * Moves an ownerless balance back to its owner's available balance. A task keeps what its row
     * says can still be earned (tasks opened before `task-<id>` workflows existed); a withdrawal
     * that ever signed a transfer is left to an operator (it may be on chain).
     */
    async repairHeldBalance(input: RepairHeldBalanceInput): Promise<RepairOutcome> {
      const { hold, owner } = input;
      if (owner.state === 'running') return { outcome: 'nothing_to_repair' };
      const kind = holdOwnerOf(hold.subject)?.kind;
      const key = holdRepairKey(hold.ledgerAccountId, hold.balance);
      const outcome = await withTransaction(db, async (tx): Promise<RepairOutcome> => {
        let keep = 0;
        if (kind === 'task') {
          // The task row lock: the same order as every other escrow change of a task.
          const task = await findTask(tx, hold.subject.slice('task:'.length), true);
          if (task) keep = escrowToKeep(task);
        }
        if (kind === 'withdrawal') {
          const signed = await withdrawalAttemptExists(tx, hold.subject.slice('withdrawal:'.length));
          if (signed.rowCount) return { outcome: 'needs_operator', reason: 'a signed transfer exists' };
        }
        const now = await ledgerAccountBalance(tx, hold.ledgerAccountId);
        const current = now.rows[0];
        if (
          !current ||
          current.balance !== hold.balance ||
          current.updated_at.toISOString() !== hold.updatedAt
        ) {
          // Something moved it since it was found: an owner may be alive after all.
          const done = await reconcilerRepairExists(tx, key);
          return done.rowCount ? { outcome: 'already_repaired' } : { outcome: 'balance_moved' };
        }
        const amount = hold.balance - keep;
        if (amount <= 0) return { outcome: 'nothing_to_repair' };
        const memo = {
          owner_workflow_id: input.ownerWorkflowId,
          owner_state: owner.state,
          owner_status: owner.state === 'closed' ? owner.status : null,
          reconciler_run: input.reconcilerRun,
        };
        const posted = await postJournal(tx, {
          idempotencyKey: key,
          kind: 'hold_repair',
          reference: hold.subject,
          memo,
          lines: [
            {
              account: { ownerId: hold.accountId, purpose: hold.purpose, subject: hold.subject },
              amount: -amount,
            },
            { account: { ownerId: hold.accountId, purpose: 'available' }, amount },
          ],
        });
        if (!posted.created) return { outcome: 'already_repaired' };
        await insertReconcilerRepair(
          tx,
          posted.journalId,
          key,
          hold.ledgerAccountId,
          hold.accountId,
          hold.purpose,
          hold.subject,
          amount,
          input.ownerWorkflowId,
          owner.state,
          memo.owner_status,
          input.reconcilerRun,
        );
        return { outcome: 'repaired', amount, journalId: posted.journalId };
      }).catch((err: unknown) => {
        // The balance shrank under us (a late owner paid it out): nothing of ours to move.
        if (err instanceof AppError) return { outcome: 'balance_moved' } as const;
        throw err;
      });
      const fields = {
        event: 'hold_repair',
        outcome: outcome.outcome,
        ledgerAccountId: hold.ledgerAccountId,
        accountId: hold.accountId,
        purpose: hold.purpose,
        subject: hold.subject,
        balance: hold.balance,
        ownerWorkflowId: input.ownerWorkflowId,
        ownerState: owner.state,
        reconcilerRun: input.reconcilerRun,
        attempt: Context.current().info.attempt,
        ...(outcome.outcome === 'repaired' ? { amount: outcome.amount, journalId: outcome.journalId } : {}),
        ...(outcome.outcome === 'needs_operator' ? { reason: outcome.reason } : {}),
      };
      if (outcome.outcome === 'repaired') {
        // 'repaired' is returned only by the transaction that inserted the keyed repair.
        reconcilerRepairs.inc();
        reconcilerRepairedMicro.inc(outcome.amount);
        logger.warn(fields, 'ownerless held balance repaired');
      } else if (outcome.outcome === 'needs_operator') {
        logger.error(fields, 'ownerless held balance needs an operator');
        await alertUnownedHold(
          db,
          hold.subject,
          `${hold.purpose} ${hold.balance} micro-USDT of ${hold.accountId}: owner ${input.ownerWorkflowId} is ${owner.state}; ${outcome.reason}`,
        );
      }
      return outcome;
    },
  };
}
