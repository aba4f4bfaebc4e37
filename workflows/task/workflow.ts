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
import type { createTaskEscrowActivities } from '../../activities/task-escrow';
import type { createTaskCloseActivities } from '../../activities/task-close';
import type { createTaskExpiryActivities } from '../../activities/task-expiry';
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

type HoldActivities = ReturnType<typeof createTaskEscrowActivities>;
type TaskCloseActivities = ReturnType<typeof createTaskCloseActivities>;
type TaskExpiryActivities = ReturnType<typeof createTaskExpiryActivities>;

const POSTGRES_BACKOFF = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;
// Postgres writes, each keyed or guarded by the state it leaves: retry until Postgres answers.
const untilPostgresAnswers = { startToCloseTimeout: '30s', retry: retryTransient(POSTGRES_BACKOFF) } as const;
// Keyed webhook enqueues: a failure to enqueue must not keep the task from closing.
const atMostTenTries = {
  startToCloseTimeout: '30s',
  retry: retryTransient({ ...POSTGRES_BACKOFF, maximumAttempts: 10 }),
} as const;

const act = proxyActivities<HoldActivities>(untilPostgresAnswers);
// The first step runs in the first workflow task, so the API's update answers without a round trip.
const local = proxyLocalActivities<HoldActivities>({
  startToCloseTimeout: '15s',
  retry: retryTransient(POSTGRES_BACKOFF),
});
const announce = proxyActivities<TaskCloseActivities>(atMostTenTries);
// The expiry is one keyed transaction; its event may give up.
const expiry = proxyActivities<TaskExpiryActivities>(untilPostgresAnswers);
const announceExpiry = proxyActivities<TaskExpiryActivities>(atMostTenTries);
/** TASK_EXPIRY: a task with `expiresAt` gets the expiry timer (recorded histories had none). */
const TASK_EXPIRY = 'task-expiry';

/** ANNOUNCE_CLOSE: a task closing with a paid slot sends `task_completed` (recorded histories did not). */
const ANNOUNCE_CLOSE = 'task-announce-close';

const DEFAULT_RECHECK_MS = 6 * 3600_000;

/**
 * Open slots refunded and the task `expired`, in one keyed transaction; then the creator's
 * `task_expired` event (which may give up: the expiry stands).
 */
async function expire(task: TaskOwnerState): Promise<void> {
  const taskId = task.input.taskId;
  task.expiryStarted();
  const result = await expiry.expireTaskWithRefund({ taskId });
  task.expiryAnswered(result);
  if (result.outcome !== 'expired') {
    log.info('task not expired', { taskId, outcome: result });
    return;
  }
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'expired' }]);
  await announceExpiry.announceTaskExpired({ taskId, refunded: result.refunded }).catch((err: unknown) => {
    log.warn('task_expired not enqueued', { taskId, error: String(err) });
  });
}

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
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
      });
      task.openSucceeded();
    } catch (err) {
      return await task.endUnopened(err);
    }
  }

  // 2. Own the escrow until the task is over and nothing is left in it; at expiresAt (a durable
  //    timer) refund the open slots.
  // Only a task with expiresAt asks for the patch (recorded histories had neither).
  const expiresAt =
    input.expiresAt && patched(TASK_EXPIRY) ? task.expiryAt(workflowInfo().startTime.getTime()) : null;
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
    if (expiresAt !== null && Date.now() >= expiresAt && task.mayExpire()) await expire(task);
    const escrow = task.escrowSeen(await act.taskEscrowState({ taskId: input.taskId }));
    if (escrow.completed) upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'completed' }]);
    if (escrow.over) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000)
      return await continueAsNew<typeof taskWorkflow>(task.carry(expiresAt));
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
