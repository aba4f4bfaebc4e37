/**
 * One task's lifecycle and the owner of its escrow (`task-<task_id>`), from creation until no money
 * is left in it:
 *
 *   open (escrow = reward × slots) ──cancelTask──> cancelled (unused escrow refunded in the same step)
 *     │ └──(expires_at: durable timer)──> expired (the same refund, keyed task-expiry-refund:<id>)
 *     │                                               │ running acceptances finish (task-review-<id>);
 *     └──(every slot paid)──> completed               v what they release is refunded, not reopened
 *                              escrow 0 ─────────> closed (the workflow completes)
 *
 * Its first step (update-with-start `taskOpened`) writes the tasks row and posts the escrow in one
 * transaction — 402 when short, with nothing written. Payouts stay with each acceptance's
 * task-review workflow, which tells this one (`taskSettled`) after it settled; a slow re-check
 * covers acceptances that predate that signal. The expiry timer and a cancel exclude each other here
 * (the first one refuses the other) and in Postgres (one row lock, one status guard).
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
import type { createTaskExpiryActivities } from '../../activities/task-expiry';
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
type TaskExpiryActivities = ReturnType<typeof createTaskExpiryActivities>;

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
// The expiry is one keyed transaction; retry until Postgres answers. Its event may give up.
const expiry = proxyActivities<TaskExpiryActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});
const announceExpiry = proxyActivities<TaskExpiryActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 10,
  }),
});
/** TASK_EXPIRY: a task with `expiresAt` gets the expiry timer (recorded histories had none). */
const TASK_EXPIRY = 'task-expiry';

/** ANNOUNCE_CLOSE: a task closing with a paid slot sends `task_completed` (recorded histories did not). */
const ANNOUNCE_CLOSE = 'task-announce-close';

const DEFAULT_RECHECK_MS = 6 * 3600_000;

class TaskOwner {
  status: TaskLifecycle['status'];
  opened: boolean | undefined;
  openFailure: ApplicationFailure | undefined;
  cancelRequested = false;
  cancelRefunded: Micro | null;
  /** Set when the expiry timer fired: from then on a cancel is refused. */
  expiring: boolean;
  expiryRefunded: Micro | null;
  changes = 0;

  constructor(readonly input: TaskInput) {
    this.opened = input.opened ? true : undefined;
    this.status = input.opened
      ? input.expiryRefunded != null
        ? 'expired'
        : input.cancelRefunded == null
          ? 'open'
          : 'cancelled'
      : 'opening';
    this.cancelRefunded = input.cancelRefunded ?? null;
    this.cancelRequested = input.cancelRefunded != null;
    this.expiryRefunded = input.expiryRefunded ?? null;
    this.expiring = input.expiryRefunded != null;
  }

  view(): TaskLifecycle {
    return {
      taskId: this.input.taskId,
      status: this.status,
      cancelRefunded: this.cancelRefunded,
      ...(this.expiryRefunded === null ? {} : { expiryRefunded: this.expiryRefunded }),
    };
  }

  /**
   * Epoch ms (workflow clock) of the expiry, or null: no expiresAt (an older task) or histories
   * without the timer. The first run counts the TTL from its start (see TaskInput.createdAt).
   */
  expiryAt(): number | null {
    const { expiresAt, createdAt, expiryDueMs } = this.input;
    if (!expiresAt || !patched(TASK_EXPIRY)) return null;
    if (expiryDueMs !== undefined) return expiryDueMs;
    if (!createdAt) return Date.parse(expiresAt);
    return workflowInfo().startTime.getTime() + Math.max(0, Date.parse(expiresAt) - Date.parse(createdAt));
  }

  /** Whether the timer still has something to do: an open task nobody cancelled. */
  mayExpire(): boolean {
    return this.status === 'open' && !this.cancelRequested && !this.expiring;
  }

  /**
   * Open slots refunded and the task `expired`, in one keyed transaction. Set `expiring` before the
   * first await so a cancel arriving meanwhile is refused rather than racing for the same escrow.
   */
  async expire(): Promise<void> {
    this.expiring = true;
    const result = await expiry.expireTaskWithRefund({ taskId: this.input.taskId });
    this.changes++;
    if (result.outcome !== 'expired') {
      log.info('task not expired', { taskId: this.input.taskId, outcome: result });
      return;
    }
    this.status = 'expired';
    this.expiryRefunded = result.refunded;
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'expired' }]);
    await announceExpiry
      .announceTaskExpired({ taskId: this.input.taskId, refunded: result.refunded })
      .catch((err: unknown) => {
        log.warn('task_expired not enqueued', { taskId: this.input.taskId, error: String(err) });
      });
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
    if (this.cancelRequested || this.expiring || (this.status !== 'open' && this.status !== 'opening'))
      throw ApplicationFailure.nonRetryable(
        `task is already ${this.status === 'closed' ? 'closed' : this.cancelRequested ? 'cancelled' : this.expiring ? 'expired' : this.status}`,
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
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
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

  // 2. Own the escrow until the task is over and nothing is left in it; at expiresAt (a durable
  //    timer) refund the open slots.
  const expiresAt = task.expiryAt();
  for (;;) {
    const seen = task.changes;
    const recheck = input.recheckMs ?? DEFAULT_RECHECK_MS;
    await condition(
      () => task.changes !== seen || workflowInfo().continueAsNewSuggested,
      expiresAt !== null && task.mayExpire()
        ? Math.max(1, Math.min(recheck, expiresAt - Date.now()))
        : recheck,
    );
    await condition(allHandlersFinished);
    if (expiresAt !== null && Date.now() >= expiresAt && task.mayExpire()) await task.expire();
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
        ...(task.expiryRefunded === null ? {} : { expiryRefunded: task.expiryRefunded }),
        ...(expiresAt === null ? {} : { expiryDueMs: expiresAt }),
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
