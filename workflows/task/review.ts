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
 * The workflow starts at accept, so one durable timer covers the proof deadline and the same
 * history then carries the review countdown. Approve/reject/auto-approve all end in one
 * `decision`, set once: whichever comes first wins, the rest are refused (409).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createLedgerActivities } from '../../activities/ledger';
import type { createTaskActivities } from '../../activities/tasks';
import { ErrorCode, failIf } from '../../domain/errors';
import type { Micro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import { reviewWindowMs } from '../../domain/task-rules';
import type { EnqueueWebhookInput, EnqueueWebhookResult } from '../../domain/webhooks';
import { isInvalidData, retryTransient } from '../failures';
import {
  approveSubmissionUpdate,
  type DecisionInput,
  rejectSubmissionUpdate,
  type ReviewDecision,
  type ReviewStatus,
  type SubmitProofInput,
  submitProofUpdate,
  type TaskReviewInput,
  type TaskReviewState,
  taskReviewStateQuery,
  taskSettledSignal,
  taskWorkflowId,
} from './contract';
import { mayReviewSubmission, maySubmitProof } from '../../domain/task-permissions';

type TaskActivities = ReturnType<typeof createTaskActivities>;
type LedgerActivities = ReturnType<typeof createLedgerActivities>;
interface WebhookActivities {
  enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult>;
}

const { recordTaskSubmission, recordTaskDecision, settleTask } = proxyActivities<TaskActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' }),
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

/** The state of one acceptance; handlers and the lifecycle below only call its methods. */
class Review {
  status: ReviewStatus = 'accepted';
  submittedAt: number | null = null;
  reviewDeadline: number | null = null;
  proof: { text: string; url: string | null } | null = null;
  submissionRecorded = false;
  /** Submissions taken / refused because the database could not store them (see refuseSubmission). */
  submissions = 0;
  refusedSubmissions = 0;
  decision: ReviewDecision | null = null;
  decidedAt: number | null = null;
  reason: string | null = null;
  payout: { net: Micro; fee: Micro } | null = null;
  settled = false;
  readonly submitBy: number;

  constructor(
    readonly input: TaskReviewInput,
    startedAt: number,
  ) {
    this.submitBy = startedAt + input.submitWithinMs;
  }

  assertCanSubmit(p: SubmitProofInput): void {
    failIf(maySubmitProof(this.input, p.workerId));
    if (this.status !== 'accepted')
      throw ApplicationFailure.nonRetryable(`acceptance is already ${this.status}`, ErrorCode.Conflict);
  }

  submit(p: SubmitProofInput, now: number): void {
    this.status = 'submitted';
    this.proof = { text: p.proofText, url: p.proofUrl };
    this.submittedAt = now;
    this.reviewDeadline = now + (this.input.reviewWindowMs ?? reviewWindowMs(this.input.reward));
    this.submissions++;
  }

  /** The proof could not be stored: back to accepted, so the worker may submit again in time. */
  refuseSubmission(): void {
    this.status = 'accepted';
    this.proof = null;
    this.submittedAt = null;
    this.reviewDeadline = null;
    this.refusedSubmissions++;
  }

  assertCanDecide(d: DecisionInput): void {
    failIf(mayReviewSubmission(this.input, d.actorId));
    if (this.decision !== null)
      throw ApplicationFailure.nonRetryable(
        `submission is already ${this.decision.replace('_', '-')}`,
        ErrorCode.Conflict,
      );
    if (this.status !== 'submitted')
      throw ApplicationFailure.nonRetryable(
        `no proof submitted yet (acceptance is ${this.status})`,
        ErrorCode.Conflict,
      );
  }

  decide(decision: ReviewDecision, reason: string | null, now: number): void {
    this.decision = decision;
    this.reason = reason;
    this.decidedAt = now;
    this.status = decision === 'auto_approved' ? 'approved' : decision;
  }

  view(): TaskReviewState {
    return {
      taskId: this.input.taskId,
      acceptanceId: this.input.acceptanceId,
      workerId: this.input.workerId,
      status: this.status,
      submitBy: iso(this.submitBy),
      submittedAt: this.submittedAt === null ? null : iso(this.submittedAt),
      reviewDeadline: this.reviewDeadline === null ? null : iso(this.reviewDeadline),
      decision: this.decision,
      decidedAt: this.decidedAt === null ? null : iso(this.decidedAt),
      reason: this.reason,
      payoutNet: this.payout?.net ?? null,
      payoutFee: this.payout?.fee ?? null,
    };
  }
}

export async function taskReviewWorkflow(input: TaskReviewInput): Promise<TaskReviewState> {
  const review = new Review(input, Date.now());
  const showStatus = () => upsertSearchAttributes([{ key: SA.BusinessStatus, value: review.status }]);

  setHandler(taskReviewStateQuery, () => review.view());
  setHandler(
    submitProofUpdate,
    async (p) => {
      review.submit(p, Date.now());
      const submission = review.submissions;
      // Answer once the submission (with its deadline) is in the read model, or was refused.
      await condition(() => review.submissionRecorded || review.refusedSubmissions >= submission);
      if (!review.submissionRecorded)
        throw ApplicationFailure.nonRetryable(
          'proof_text: contains characters that cannot be stored',
          ErrorCode.Validation,
        );
      return review.view();
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
  review.submissionRecorded = true;
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
  if (!decided) review.decide('auto_approved', null, review.reviewDeadline!);
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
    review.payout = { net: paid.net, fee: paid.fee };
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
async function recordDecision(review: Review): Promise<void> {
  try {
    await recordTaskDecision(decisionRecord(review));
  } catch (err) {
    if (!isInvalidData(err) || review.reason === null) throw err;
    log.warn('task decision reason not storable, recorded without it', {
      acceptanceId: review.input.acceptanceId,
    });
    review.reason = null;
    await recordTaskDecision(decisionRecord(review));
  }
}

function decisionRecord(review: Review) {
  return {
    acceptanceId: review.input.acceptanceId,
    status: review.status as 'approved' | 'rejected' | 'expired',
    decision: review.decision!,
    decidedAt: iso(review.decidedAt!),
    reason: review.reason,
    payoutNet: review.payout?.net ?? null,
    payoutFee: review.payout?.fee ?? null,
  };
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
