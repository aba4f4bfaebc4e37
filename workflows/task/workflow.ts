/**
 * One task's lifecycle and the owner of its escrow (`task-<task_id>`), from creation until no money
 * is left in it:
 *
 *   open (escrow = reward × slots) ──cancelTask──> cancelled (unused escrow refunded in the same step)
 *     │                                               │ running acceptances finish (task-review-<id>)
 *     └──(every slot paid)──> completed               v
 *                              escrow 0 ─────────> closed (the workflow completes)
 *
 * Its first step (update-with-start `taskOpened`) writes the tasks row and posts the escrow in one
 * transaction — 402 when short, with nothing written. Payouts stay with each acceptance's
 * task-review workflow, which tells this one (`taskSettled`) after it settled; a slow re-check
 * covers acceptances that predate that signal. Later lifecycle timers (task expiry) belong here.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createHoldActivities } from '../../activities/holds';
import type { createTaskCloseActivities } from '../../activities/task-close';
import { SA } from '../../domain/search-attributes';
import { retryTransient } from '../failures';
import {
  cancelTaskUpdate,
  type TaskInput,
  type TaskLifecycle,
  taskLifecycleQuery,
  taskOpenedUpdate,
  taskSettledSignal,
} from './contract';
import { TaskOwnerState } from './state';

type HoldActivities = ReturnType<typeof createHoldActivities>;
type TaskCloseActivities = ReturnType<typeof createTaskCloseActivities>;

// Postgres writes, each keyed or guarded by the state it leaves: retry until Postgres answers.
const act = proxyActivities<HoldActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});
// The first step runs in the first workflow task, so the API's update answers without a round trip.
const local = proxyLocalActivities<HoldActivities>({
  startToCloseTimeout: '15s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});

// The webhook enqueue is keyed; a failure to enqueue must not keep the task from closing.
const announce = proxyActivities<TaskCloseActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 10,
  }),
});
/** ANNOUNCE_CLOSE: a task closing with a paid slot sends `task_completed` (recorded histories did not). */
const ANNOUNCE_CLOSE = 'task-announce-close';

const DEFAULT_RECHECK_MS = 6 * 3600_000;

export async function taskWorkflow(input: TaskInput): Promise<TaskLifecycle> {
  const task = new TaskOwnerState(input);
  setHandler(taskLifecycleQuery, () => task.view());
  setHandler(taskOpenedUpdate, async () => {
    await condition(() => task.opened !== undefined);
    return task.openedOutcome();
  });
  setHandler(
    cancelTaskUpdate,
    async () => {
      task.cancelStarted();
      await condition(() => task.opened !== undefined);
      const view = task.cancelAnswered(await act.cancelTaskWithRefund({ taskId: input.taskId }));
      upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'cancelled' }]);
      return view;
    },
    { validator: (r) => task.validateCancel(r) },
  );
  setHandler(taskSettledSignal, () => task.acceptanceSettled());

  // 1. The row and the escrow, together; a short balance ends here with nothing held.
  if (!input.opened) {
    try {
      await local.openTask({
        taskId: input.taskId,
        creatorId: input.creatorId,
        title: input.title,
        description: input.description,
        category: input.category,
        reward: input.reward,
        slots: input.slots,
      });
      task.openSucceeded();
    } catch (err) {
      const refusal = task.openRefused(err);
      await condition(allHandlersFinished);
      throw refusal ?? err;
    }
  }

  // 2. Own the escrow until the task is over and nothing is left in it.
  for (;;) {
    const seen = task.changes;
    await condition(
      () => task.changes !== seen || workflowInfo().continueAsNewSuggested,
      input.recheckMs ?? DEFAULT_RECHECK_MS,
    );
    await condition(allHandlersFinished);
    const escrow = task.escrowSeen(await act.taskEscrowState({ taskId: input.taskId }));
    if (escrow.completed) upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'completed' }]);
    if (escrow.over) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000)
      return await continueAsNew<typeof taskWorkflow>(task.carry());
  }
  task.closed();
  if (patched(ANNOUNCE_CLOSE)) {
    await announce.announceTaskClosed({ taskId: input.taskId }).catch((err: unknown) => {
      log.warn('task_completed not enqueued', { taskId: input.taskId, error: String(err) });
    });
  }
  await condition(allHandlersFinished);
  return task.view();
}
