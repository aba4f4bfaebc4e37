/**
 * One task acceptance, from the reserved slot to its end (`task-review-<acceptance_id>`):
 *
 *   accepted ──(no proof within TASK_ACCEPT_DEADLINE)──> expired (slot released)
 *      │ submitProof
 *      v
 *   submitted ──approve──> approved ──> paid once (payEarner, key task-payout:<acceptance_id>)
 *      │  └──(review window of the reward tier runs out)──> auto-approved ──> paid once
 *      └──reject──> rejected (slot reopens; escrow stays)
 *
 * The workflow starts at accept and owns the slot from its first step: `openAcceptance` (a local
 * activity) checks the task under its row lock and writes the acceptance row, answering the API's
 * update-with-start `acceptanceOpened`; a refusal (404/403/409) ends the workflow with nothing
 * written. So an API that dies after its start leaves a workflow that finishes the job, never a
 * row nobody owns. One durable timer then covers the proof deadline and the same history carries
 * the review countdown. Approve/reject/auto-approve all end in one
 * `decision`, set once: whichever comes first wins, the rest are refused (409).
 */
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createLedgerActivities } from '../../activities/ledger';
import type { createTaskActivities } from '../../activities/tasks';
import { SA } from '../../domain/search-attributes';
import type { EnqueueWebhookInput, EnqueueWebhookResult } from '../../domain/webhooks';
import { isInvalidData, retryTransient } from '../failures';
import {
  acceptanceOpenedUpdate,
  approveSubmissionUpdate,
  rejectSubmissionUpdate,
  submitProofUpdate,
  type TaskReviewInput,
  type TaskReviewState,
  taskReviewStateQuery,
  taskSettledSignal,
  taskWorkflowId,
} from './contract';
import { ReviewState } from './state';

type TaskActivities = ReturnType<typeof createTaskActivities>;
type LedgerActivities = ReturnType<typeof createLedgerActivities>;
interface WebhookActivities {
  enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult>;
}

const { recordTaskSubmission, recordTaskDecision, settleTask } = proxyActivities<TaskActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
// The first step runs in the first workflow task, so the API's update answers without a round
// trip; its insert is keyed by the acceptance id, so a retry finds the row it wrote.
const local = proxyLocalActivities<TaskActivities>({
  startToCloseTimeout: '15s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
});
// Money moves are keyed, so retrying until Postgres answers repeats nothing.
const { payEarner } = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
// Enqueueing is a keyed insert; a notification must never hold up a payout, so it gives up.
const { enqueueWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 6 }),
});

/** patched() id: settling an acceptance signals the task's owner workflow (`taskSettled`). */
const TELL_TASK_OWNER = 'task-review-tells-task-owner';

const iso = (ms: number) => new Date(ms).toISOString();

export async function taskReviewWorkflow(input: TaskReviewInput): Promise<TaskReviewState> {
  const review = new ReviewState(input, Date.now());
  const showStatus = () => upsertSearchAttributes([{ key: SA.BusinessStatus, value: review.status }]);

  setHandler(taskReviewStateQuery, () => review.view());
  setHandler(acceptanceOpenedUpdate, async () => {
    await condition(() => review.opened !== undefined);
    return review.openedOutcome();
  });
  setHandler(
    submitProofUpdate,
    async (p) => {
      review.submit(p, Date.now());
      const submission = review.submissions;
      // Answer once the submission (with its deadline) is in the read model, or was refused.
      await condition(() => review.submissionAnswered(submission));
      return review.submissionOutcome();
    },
    { validator: (p) => review.assertCanSubmit(p) },
  );
  for (const [update, decision] of [
    [approveSubmissionUpdate, 'approved'],
    [rejectSubmissionUpdate, 'rejected'],
  ] as const) {
    setHandler(
      update,
      async (d) => {
        review.decide(decision, d.reason, Date.now());
        await condition(() => review.settled);
        return review.view();
      },
      { validator: (d) => review.assertCanDecide(d) },
    );
  }

  // 0. The slot: the acceptance row under the task's row lock, or the refusal the update answers
  //    with. Only for acceptances the API no longer writes itself (recorded inputs lack the flag).
  if (input.opensAcceptance) {
    try {
      await local.openAcceptance(review.acceptanceRow());
      review.openSucceeded();
    } catch (err) {
      return await review.endUnopened(err);
    }
  }

  // 1. Proof by the deadline, or the slot is released. A proof the database refuses is refused
  //    (400, escrow untouched) and the worker may submit again before the same deadline.
  for (;;) {
    if (!(await condition(() => review.status !== 'accepted', Math.max(1, review.submitBy - Date.now())))) {
      review.decide('expired', null, Date.now());
      showStatus();
      await recordDecision(review);
      await settleTask({ taskId: input.taskId });
      await tellTaskOwner(input.taskId);
      review.settled = true;
      return review.view();
    }
    try {
      await recordTaskSubmission({
        acceptanceId: input.acceptanceId,
        proofText: review.proof!.text,
        proofUrl: review.proof!.url,
        submittedAt: iso(review.submittedAt!),
        reviewDeadline: iso(review.reviewDeadline!),
      });
      break;
    } catch (err) {
      if (!isInvalidData(err)) throw err;
      review.refuseSubmission();
    }
  }
  review.submissionStored();
  showStatus();
  const proofNotice = notify({
    eventKey: `task:${input.taskId}:proof:${input.acceptanceId}`,
    accountId: input.creatorId,
    policy: 'task-events',
    event: 'proof_submitted',
    subject: `task:${input.taskId}`,
    payload: {
      event: 'proof_submitted',
      task_id: input.taskId,
      acceptance_id: input.acceptanceId,
      worker_id: input.workerId,
      proof_text: review.proof!.text,
      proof_url: review.proof!.url,
      submitted_at: iso(review.submittedAt!),
    },
  });

  // 2. The review countdown: the creator's decision, or auto-approval when the window ends.
  const decided = await condition(() => review.decision !== null, review.reviewDeadline! - Date.now());
  // Silence until the deadline is implicit approval, dated at the deadline itself.
  if (!decided) review.autoApprove();
  showStatus();

  // 3. Settlement: pay once when approved; then complete the task / return spare escrow.
  if (review.status === 'approved') {
    const paid = await payEarner({
      idempotencyKey: `task-payout:${input.acceptanceId}`,
      kind: 'task_payout',
      reference: `task:${input.taskId}`,
      from: { ownerId: input.creatorId, purpose: 'escrow', subject: `task:${input.taskId}` },
      earnerId: input.workerId,
      gross: input.reward,
    });
    review.paid(paid);
  }
  await recordDecision(review);
  const settlement = await settleTask({ taskId: input.taskId });
  await tellTaskOwner(input.taskId);
  review.settled = true;
  if (settlement.status === 'completed' && review.status === 'approved') {
    await notify({
      eventKey: `task:${input.taskId}:completed`,
      accountId: input.creatorId,
      policy: 'task-events',
      event: 'task_completed',
      subject: `task:${input.taskId}`,
      payload: {
        event: 'task_completed',
        task_id: input.taskId,
        slots_filled: settlement.slotsFilled,
        slots_total: settlement.slotsTotal,
        completed_at: settlement.completedAt,
      },
    });
  }
  await proofNotice;
  await condition(allHandlersFinished);
  return review.view();
}

/**
 * Records the decision; a reason the database refuses is dropped rather than holding up the
 * payout or the slot (the decision itself is ours and always storable).
 */
async function recordDecision(review: ReviewState): Promise<void> {
  try {
    await recordTaskDecision(review.decisionRecord());
  } catch (err) {
    if (!isInvalidData(err) || review.reason === null) throw err;
    log.warn('task decision reason not storable, recorded without it', {
      acceptanceId: review.input.acceptanceId,
    });
    review.dropReason();
    await recordTaskDecision(review.decisionRecord());
  }
}

/**
 * Tells `task-<id>` (the escrow's owner) that this slot settled, so it can close once nothing is
 * left. Recorded histories predate the signal (patched); a task opened before task workflows
 * existed has no owner to tell.
 */
async function tellTaskOwner(taskId: string): Promise<void> {
  if (!patched(TELL_TASK_OWNER)) return;
  try {
    await getExternalWorkflowHandle(taskWorkflowId(taskId)).signal(taskSettledSignal);
  } catch (err) {
    log.info('task owner not signalled', { taskId, error: String(err) });
  }
}

/** Enqueues a webhook to the creator; a failure is logged, never allowed to stop the lifecycle. */
async function notify(event: EnqueueWebhookInput): Promise<void> {
  try {
    await enqueueWebhook(event);
  } catch (err) {
    log.warn('task webhook not enqueued', { eventKey: event.eventKey, error: String(err) });
  }
}
