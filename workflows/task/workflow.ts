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
  ActivityFailure,
  ApplicationFailure,
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
import { ErrorCode, failIf } from '../../domain/errors';
import type { Micro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import { passOn, retryTransient } from '../failures';
import {
  type CancelTaskRequest,
  cancelTaskUpdate,
  type TaskInput,
  type TaskLifecycle,
  taskLifecycleQuery,
  taskOpenedUpdate,
  taskSettledSignal,
} from './contract';
import { mayCancelTask } from '../../domain/task-permissions';

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

class TaskOwner {
  status: TaskLifecycle['status'];
  opened: boolean | undefined;
  openFailure: ApplicationFailure | undefined;
  cancelRequested = false;
  cancelRefunded: Micro | null;
  changes = 0;

  constructor(readonly input: TaskInput) {
    this.opened = input.opened ? true : undefined;
    this.status = input.opened ? (input.cancelRefunded == null ? 'open' : 'cancelled') : 'opening';
    this.cancelRefunded = input.cancelRefunded ?? null;
    this.cancelRequested = input.cancelRefunded != null;
  }

  view(): TaskLifecycle {
    return { taskId: this.input.taskId, status: this.status, cancelRefunded: this.cancelRefunded };
  }

  async openedOutcome(): Promise<TaskLifecycle> {
    await condition(() => this.opened !== undefined);
    if (!this.opened)
      throw (
        this.openFailure ?? ApplicationFailure.nonRetryable('escrow could not be held', ErrorCode.Unavailable)
      );
    return this.view();
  }

  validateCancel(r: CancelTaskRequest): void {
    failIf(mayCancelTask(this.input, r?.actorId));
    if (this.cancelRequested || (this.status !== 'open' && this.status !== 'opening'))
      throw ApplicationFailure.nonRetryable(
        `task is already ${this.status === 'closed' ? 'closed' : this.cancelRequested ? 'cancelled' : this.status}`,
        ErrorCode.Conflict,
      );
  }

  async cancel(): Promise<TaskLifecycle> {
    this.cancelRequested = true;
    await condition(() => this.opened !== undefined);
    const result = await act.cancelTaskWithRefund({ taskId: this.input.taskId });
    if (result.outcome !== 'cancelled') {
      this.cancelRequested = false;
      this.changes++;
      const status = result.outcome === 'not_open' ? result.status : 'gone';
      throw ApplicationFailure.nonRetryable(`task is already ${status}`, ErrorCode.Conflict);
    }
    this.status = 'cancelled';
    this.cancelRefunded = result.refunded;
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'cancelled' }]);
    this.changes++;
    return this.view();
  }
}

export async function taskWorkflow(input: TaskInput): Promise<TaskLifecycle> {
  const task = new TaskOwner(input);
  setHandler(taskLifecycleQuery, () => task.view());
  setHandler(taskOpenedUpdate, () => task.openedOutcome());
  setHandler(cancelTaskUpdate, () => task.cancel(), { validator: (r) => task.validateCancel(r) });
  setHandler(taskSettledSignal, () => void task.changes++);

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
      task.opened = true;
      task.status = 'open';
    } catch (err) {
      task.opened = false;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      task.openFailure = cause instanceof ApplicationFailure ? passOn(cause) : undefined;
      await condition(allHandlersFinished);
      throw task.openFailure ?? err;
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
    const now = await act.taskEscrowState({ taskId: input.taskId });
    if (now.status === 'completed' && task.status === 'open') {
      task.status = 'completed';
      upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'completed' }]);
    }
    if (now.status !== 'open' && now.escrow === 0) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000)
      return await continueAsNew<typeof taskWorkflow>({
        ...input,
        opened: true,
        cancelRefunded: task.cancelRefunded,
      });
  }
  task.status = 'closed';
  if (patched(ANNOUNCE_CLOSE)) {
    await announce.announceTaskClosed({ taskId: input.taskId }).catch((err: unknown) => {
      log.warn('task_completed not enqueued', { taskId: input.taskId, error: String(err) });
    });
  }
  await condition(allHandlersFinished);
  return task.view();
}
