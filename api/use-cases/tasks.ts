/**
 * Tasks marketplace use-cases (SPEC §3), shared by the REST routes and the MCP tools. Each takes
 * already-parsed input (api/schemas/tasks.ts). A slot belongs to its acceptance's `taskReview`
 * workflow from that workflow's first step, which reserves it under the task's row lock.
 */
import { untilProcessed } from '../workflow-updates';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import { containsPattern } from '../../db/transaction';
import { AppError, conflict, ErrorCode, notFound, refuseIf } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { fromMicro, times } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { taskExpiresAt } from '../../domain/task-expiry';
import { type AcceptanceRow, type TaskRow } from '../../domain/task-store';
import { cancelTaskWithRefund, endedAcceptanceCountOf, findAcceptance, findTask } from '../../db/tasks';
import {
  acceptanceOpenedUpdate,
  approveSubmissionUpdate,
  cancelTaskUpdate,
  rejectSubmissionUpdate,
  submitProofUpdate,
  TASK_REVIEW_WORKFLOW_TYPE,
  TASK_WORKFLOW_TYPE,
  type TaskInput,
  type TaskReviewInput,
  type TaskReviewWorkflow,
  type TaskWorkflow,
  taskOpenedUpdate,
  taskReviewStartOptions,
  taskReviewWorkflowId,
  taskStartOptions,
  taskWorkflowId,
} from '../../workflows/task/contract';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import { businessFailureOf, toAppError } from '../errors';
import type {
  CreateTaskInput,
  ReviewDecisionInput,
  SearchTasksInput,
  SubmissionView,
  SubmitProofInput,
  TaskView,
} from '../schemas/tasks';
import { mayAcceptTask, mayCancelTask, mayReviewSubmission } from '../../domain/task-permissions';
import { acceptancesVisibleTo, liveAcceptanceOf, searchOpenTasks } from '../../db/tasks';

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function toSubmissionView(a: AcceptanceRow): SubmissionView {
  return {
    acceptance_id: a.id,
    task_id: a.task_id,
    worker_id: a.worker_id,
    status: a.status,
    accepted_at: a.accepted_at.toISOString(),
    submit_by: a.submit_by.toISOString(),
    proof_text: a.proof_text,
    proof_url: a.proof_url,
    submitted_at: isoOrNull(a.submitted_at),
    review_deadline: isoOrNull(a.review_deadline),
    decision: a.decision as SubmissionView['decision'],
    decided_at: isoOrNull(a.decided_at),
    reason: a.decision_reason,
    payout_usd: a.payout_net === null ? null : fromMicro(a.payout_net),
  };
}

export function toTaskView(t: TaskRow, submissions?: AcceptanceRow[]): TaskView {
  return {
    id: t.id,
    creator_id: t.creator_id,
    title: t.title,
    description: t.description,
    category: t.category,
    reward_usd: fromMicro(t.reward),
    slots: t.slots,
    slots_available: t.status === 'open' ? Math.max(0, t.slots - t.slots_taken) : 0,
    slots_filled: t.slots_filled,
    status: t.status,
    created_at: t.created_at.toISOString(),
    cancelled_at: isoOrNull(t.cancelled_at),
    completed_at: isoOrNull(t.completed_at),
    expires_at: isoOrNull(t.expires_at),
    expired_at: isoOrNull(t.expired_at),
    ...(submissions ? { submissions: submissions.map(toSubmissionView) } : {}),
  };
}

async function requireTask(deps: ApiDeps, taskId: string): Promise<TaskRow> {
  const task = await findTask(deps.db, taskId);
  if (!task) throw notFound('task');
  return task;
}

/**
 * Escrows `slots × reward` from the creator's available balance at once (402 if short). The
 * `task-<id>` workflow writes the row and posts the escrow as its first step and answers through
 * the `taskOpened` update, so the escrow never exists without the workflow that owns it.
 */
/**
 * With an Idempotency-Key the task id is derived from it: a retry (even one whose first attempt
 * timed out after the workflow started) names the same `task-<id>` workflow and escrows once.
 */
export async function createTask(
  deps: ApiDeps,
  principal: Principal,
  input: CreateTaskInput,
  idempotencyKey?: string,
) {
  const { db, config } = deps;
  const id = idempotencyKey
    ? deterministicUuid(principal.accountId, 'task-create', idempotencyKey)
    : randomUUID();
  const escrow = times(input.reward_usd, input.slots);
  const createdAt = Date.now();
  const expiresAt = taskExpiresAt(config, input.expires_at, createdAt);
  // The escrow posting (the workflow's first step) checks the hourly spend cap atomically.
  // From here on a 504 names the task: its start may still complete (api/deadline.ts).
  mayCreate({ task_id: id });
  const args: TaskInput = {
    taskId: id,
    creatorId: principal.accountId,
    title: input.title,
    description: input.description,
    category: input.category,
    reward: input.reward_usd,
    slots: input.slots,
    expiresAt: new Date(expiresAt).toISOString(),
    createdAt: new Date(createdAt).toISOString(),
  };
  try {
    await untilProcessed(() =>
      deps.temporal.workflow.executeUpdateWithStart(taskOpenedUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<TaskWorkflow>(
          TASK_WORKFLOW_TYPE,
          taskStartOptions(args, config.TEMPORAL_TASK_QUEUE),
        ),
      }),
    );
  } catch (err) {
    // A keyed retry after the task's workflow already finished: the original task is the answer.
    if (!(idempotencyKey && err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const task = await findTask(db, id);
  if (!task) throw new AppError(ErrorCode.Unavailable, 'task is not recorded yet, retry');
  return { success: true as const, ...toTaskView(task), escrow_usd: fromMicro(escrow) };
}

/** Open tasks with at least one free slot, newest first, a page at a time (db/tasks.ts). */
export async function searchTasks(deps: ApiDeps, _principal: Principal, input: SearchTasksInput) {
  const after = afterKey('tasks', ['time', 'uuid'], input.cursor);
  const pattern = input.query ? containsPattern(input.query) : null;
  const r = await searchOpenTasks(
    deps.db,
    input.category ?? null,
    input.min_reward ?? 0,
    pattern,
    after,
    input.limit + 1,
  );
  const page = toPage(r.rows, input.limit, 'tasks', (t) => [t.key_time, t.id]);
  return {
    tasks: page.items.map(({ key_time: _key, ...t }) => toTaskView(t)),
    count: page.items.length,
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

/** The creator sees every submission; a worker sees its own; anyone else sees none. */
export async function getTask(deps: ApiDeps, principal: Principal, input: { task_id: string }) {
  const task = await requireTask(deps, input.task_id);
  const isCreator = task.creator_id === principal.accountId;
  const r = await acceptancesVisibleTo(deps.db, task.id, isCreator, principal.accountId);
  return toTaskView(task, isCreator || r.rows.length ? r.rows : undefined);
}

/**
 * Stops new acceptances and returns the escrow of every slot not taken, in one step with the
 * status change (the task's owner workflow runs it); running acceptances finish.
 */
export async function cancelTask(deps: ApiDeps, principal: Principal, input: { task_id: string }) {
  const before = await requireTask(deps, input.task_id);
  refuseIf(mayCancelTask({ creatorId: before.creator_id }, principal.accountId));
  if (before.status !== 'open') throw conflict(`task is already ${before.status}`);
  let refunded: number;
  try {
    const done = await untilProcessed(() =>
      deps.temporal.workflow
        .getHandle(taskWorkflowId(input.task_id))
        .executeUpdate(cancelTaskUpdate, { args: [{ actorId: principal.accountId }] }),
    );
    refunded = done.cancelRefunded ?? 0;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // A task opened before task workflows existed: the same single transaction, run here.
    const done = await cancelTaskWithRefund(deps.db, input.task_id);
    if (done.outcome === 'not_found') throw notFound('task');
    if (done.outcome === 'not_open') throw conflict(`task is already ${done.status}`);
    refunded = done.refunded;
  }
  const task = await requireTask(deps, input.task_id);
  return { success: true as const, ...toTaskView(task), refunded_usd: fromMicro(refunded) };
}

/**
 * Reserves a slot: the acceptance's `task-review-<acceptance_id>` workflow is started with the
 * `acceptanceOpened` update, and its first step checks the task under its row lock and writes the
 * row (or refuses: 404, 403, 409), so no slot is ever taken without the workflow that owns it —
 * an API that dies after the start leaves a workflow that finishes the job. The acceptance id
 * derives from the Idempotency-Key, so a retry names the same workflow and finds the same row.
 */
export async function acceptTask(
  deps: ApiDeps,
  principal: Principal,
  input: { task_id: string; idempotency_key: string },
) {
  const { db, config } = deps;
  // Cheap refusals that need no workflow; the authoritative checks run under the row lock.
  const task = await requireTask(deps, input.task_id);
  refuseIf(mayAcceptTask({ creatorId: task.creator_id }, principal.accountId));
  const acceptanceId = deterministicUuid(
    principal.accountId,
    'task-accept',
    input.task_id,
    input.idempotency_key,
  );
  // From here on a 504 names the acceptance: its workflow may still take the slot.
  mayCreate({ task_id: task.id, acceptance_id: acceptanceId });
  const args: TaskReviewInput = {
    taskId: task.id,
    acceptanceId,
    creatorId: task.creator_id,
    workerId: principal.accountId,
    reward: task.reward,
    submitWithinMs: config.TASK_ACCEPT_DEADLINE_SECONDS * 1000,
    ...(config.TASK_REVIEW_WINDOW_SECONDS === undefined
      ? {}
      : { reviewWindowMs: config.TASK_REVIEW_WINDOW_SECONDS * 1000 }),
    opensAcceptance: true,
  };
  try {
    await untilProcessed(() =>
      deps.temporal.workflow.executeUpdateWithStart(acceptanceOpenedUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<TaskReviewWorkflow>(
          TASK_REVIEW_WORKFLOW_TYPE,
          taskReviewStartOptions(args, task, config.TEMPORAL_TASK_QUEUE),
        ),
      }),
    );
  } catch (err) {
    // A keyed retry after the acceptance's workflow completed: the original acceptance is the answer.
    // A refusal is the AppError the checks always threw (404, 403, 409), for REST and MCP alike.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw toAppError(err) ?? err;
  }
  const acceptance = await findAcceptance(db, acceptanceId);
  if (!acceptance) throw new AppError(ErrorCode.Unavailable, 'task acceptance is not recorded yet, retry');
  return {
    success: true as const,
    task_id: task.id,
    acceptance_id: acceptance.id,
    status: 'accepted' as const,
    accepted_at: acceptance.accepted_at.toISOString(),
    submit_by: acceptance.submit_by.toISOString(),
  };
}

/** Turns a failed update on an acceptance that moved on into a 409 naming where it is now. */
async function staleAcceptanceError(deps: ApiDeps, acceptanceId: string, err: unknown): Promise<unknown> {
  if (err instanceof AppError || businessFailureOf(err)) return err;
  const now = await findAcceptance(deps.db, acceptanceId);
  if (!now || now.status === 'accepted' || now.status === 'submitted') return err;
  return conflict(`submission is already ${now.status}`);
}

/** Submits proof on the caller's open acceptance; the review countdown starts now. */
export async function submitProof(
  deps: ApiDeps,
  principal: Principal,
  input: SubmitProofInput & { task_id: string; idempotency_key: string },
) {
  await requireTask(deps, input.task_id);
  const r = await liveAcceptanceOf(deps.db, input.task_id, principal.accountId);
  const acceptance = r.rows[0];
  if (!acceptance) throw notFound('acceptance of yours on this task');
  if (acceptance.status !== 'accepted') throw conflict('proof was already submitted for this acceptance');
  try {
    await untilProcessed(() =>
      deps.temporal.workflow.getHandle(taskReviewWorkflowId(acceptance.id)).executeUpdate(submitProofUpdate, {
        args: [
          { workerId: principal.accountId, proofText: input.proof_text, proofUrl: input.proof_url ?? null },
        ],
        updateId: `submit:${deterministicUuid(principal.accountId, input.task_id, input.idempotency_key)}`,
      }),
    );
  } catch (err) {
    throw await staleAcceptanceError(deps, acceptance.id, err);
  }
  return { success: true as const, ...toSubmissionView((await findAcceptance(deps.db, acceptance.id))!) };
}

/**
 * The key an MCP `accept_task` call without one stands for: the same until the worker's current
 * acceptance of the task ends, so a retry replays it, and a new one after a rejection is fresh.
 */
export async function derivedAcceptKey(deps: ApiDeps, principal: Principal, taskId: string): Promise<string> {
  return `derived:accept:${taskId}:${await endedAcceptanceCountOf(deps.db, taskId, principal.accountId)}`;
}

/**
 * The key an MCP `submit_proof` call without one stands for: the worker's live acceptance and the
 * proof, so the same proof retried replays the first answer. Undefined when nothing is live (the
 * call then fails as REST does).
 */
export async function derivedSubmitKey(
  deps: ApiDeps,
  principal: Principal,
  input: SubmitProofInput & { task_id: string },
): Promise<string | undefined> {
  const live = (await liveAcceptanceOf(deps.db, input.task_id, principal.accountId)).rows[0];
  if (!live) return undefined;
  const proof = createHash('sha256')
    .update(JSON.stringify([input.proof_text ?? null, input.proof_url ?? null]))
    .digest('hex');
  return `derived:submit:${live.id}:${proof}`;
}

/** The creator's decision on a submission; answers with the submission as it ended up. */
export async function reviewSubmission(
  deps: ApiDeps,
  principal: Principal,
  input: ReviewDecisionInput & { task_id: string; acceptance_id: string; decision: 'approve' | 'reject' },
) {
  const task = await requireTask(deps, input.task_id);
  refuseIf(mayReviewSubmission({ creatorId: task.creator_id }, principal.accountId));
  const acceptance = await findAcceptance(deps.db, input.acceptance_id);
  if (!acceptance || acceptance.task_id !== task.id) throw notFound('submission');
  if (acceptance.status === 'accepted') throw conflict('no proof submitted yet');
  if (acceptance.status !== 'submitted') throw conflict(`submission is already ${acceptance.status}`);
  try {
    await untilProcessed(() =>
      deps.temporal.workflow
        .getHandle(taskReviewWorkflowId(acceptance.id))
        .executeUpdate(input.decision === 'approve' ? approveSubmissionUpdate : rejectSubmissionUpdate, {
          args: [{ actorId: principal.accountId, reason: input.reason ?? null }],
        }),
    );
  } catch (err) {
    throw await staleAcceptanceError(deps, acceptance.id, err);
  }
  return { success: true as const, ...toSubmissionView((await findAcceptance(deps.db, acceptance.id))!) };
}
