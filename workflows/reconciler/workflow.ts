/**
 * The held-money reconciler (`reconciler-<scheduled time>`, started by the Schedule
 * `held-balance-reconciler`, worker/schedules.ts): every held or escrow balance older than the grace
 * period whose owner workflow (`rental-<id>`, `task-<id>`, `withdrawal-<id>`, domain/holds.ts) is
 * closed or missing goes back to its owner's available balance, once (keyed), recorded in
 * `reconciler_repairs`. Describes go through an activity; pages of 100; continue-as-new when the
 * history grows.
 */
import { continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createReconcilerActivities, RepairOutcome } from '../../activities/reconciler';
import { holdOwnerOf } from '../../domain/holds';
import { retryTransient } from '../failures';
import type { ReconcilerInput, ReconcilerTotals } from './contract';

const act = proxyActivities<ReturnType<typeof createReconcilerActivities>>({
  startToCloseTimeout: '1 minute',
  // Each step is a read or a keyed posting: a retry repeats nothing. The next run tries again.
  retry: retryTransient({
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  }),
});

const PAGE = 100;

export async function reconcilerWorkflow(input: ReconcilerInput = {}): Promise<ReconcilerTotals> {
  const totals: ReconcilerTotals = input.totals ?? { scanned: 0, repaired: 0, needsOperator: 0 };
  let after = input.afterLedgerAccountId ?? 0;
  const run = `${workflowInfo().workflowId}/${workflowInfo().runId}`;
  for (;;) {
    const page = await act.findHeldBalances({
      graceMinutes: input.graceMinutes,
      accountIds: input.accountIds,
      afterLedgerAccountId: after,
      limit: PAGE,
    });
    if (!page.length) break;
    totals.scanned += page.length;
    after = page[page.length - 1].ledgerAccountId;
    const owned = page.flatMap((hold) => {
      const owner = holdOwnerOf(hold.subject);
      if (!owner) log.warn('held balance with an unknown subject', { ...hold });
      return owner ? [{ hold, workflowId: owner.workflowId }] : [];
    });
    const states = await act.describeOwnerWorkflows({ workflowIds: owned.map((o) => o.workflowId) });
    for (const { hold, workflowId } of owned) {
      const owner = states[workflowId];
      if (!owner || owner.state === 'running') continue;
      const result: RepairOutcome = await act.repairHeldBalance({
        hold,
        ownerWorkflowId: workflowId,
        owner,
        reconcilerRun: run,
      });
      if (result.outcome === 'repaired') totals.repaired++;
      if (result.outcome === 'needs_operator') totals.needsOperator++;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 4000)
      return await continueAsNew<typeof reconcilerWorkflow>({
        ...input,
        afterLedgerAccountId: after,
        totals,
      });
  }
  log.info('held balances reconciled', { ...totals });
  return totals;
}
