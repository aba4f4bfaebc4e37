/**
 * The taskReview lifecycle on the time-skipping server, driven through the same use-cases as the
 * REST API, with the production activities against the real Postgres of this run.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import {
  acceptTask,
  cancelTask,
  createTask,
  getTask,
  reviewSubmission,
  submitProof,
} from '../../api/use-cases/tasks';
import type { Db } from '../../db/pool';
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { splitPayout } from '../../domain/payouts';
import { REVIEW_WINDOW_TIERS } from '../../domain/task-rules';
import { taskReviewStateQuery, taskReviewWorkflowId } from '../../workflows/task/contract';
import { assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { startTimeSkippingWorker, type TimeSkippingWorker } from '../harness/time-skipping-worker';

const HOUR = 60 * 60 * 1000;
const ACCEPT_DEADLINE_S = 6 * 60 * 60;

describe('taskReview workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let deps: ApiDeps;
  let harness: TimeSkippingWorker | undefined;

  beforeAll(async () => {
    harness = await startTimeSkippingWorker({ TASK_ACCEPT_DEADLINE_SECONDS: String(ACCEPT_DEADLINE_S) });
    ({ env, db, deps } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  const principal = (accountId: string): Principal & { id: string } => ({
    id: accountId,
    accountId,
    role: 'user',
    isBot: true,
    via: 'api_key',
  });

  async function person(usdt = 0, opts: { referredBy?: string } = {}) {
    const account = await createFundedAccount(db, usdt, { kind: 'bot', ...opts });
    return principal(account.id);
  }

  async function newTask(creator: Principal, reward: number, slots: number) {
    return createTask(deps, creator, {
      title: `task ${randomUUID()}`,
      description: 'follow the account and post proof',
      category: 'social',
      reward_usd: toMicro(reward)!,
      slots,
    });
  }

  const accept = (worker: Principal, taskId: string) =>
    acceptTask(deps, worker, { task_id: taskId, idempotency_key: randomUUID() });
  const submit = (worker: Principal, taskId: string) =>
    submitProof(deps, worker, {
      task_id: taskId,
      proof_text: 'Done',
      proof_url: 'https://x.com/user/status/1',
      idempotency_key: randomUUID(),
    });
  const decide = (creator: Principal, taskId: string, acceptanceId: string, decision: 'approve' | 'reject') =>
    reviewSubmission(deps, creator, { task_id: taskId, acceptance_id: acceptanceId, decision });
  const review = (acceptanceId: string) => env.client.workflow.getHandle(taskReviewWorkflowId(acceptanceId));
  const payoutJournals = async (acceptanceId: string) =>
    (
      await db.query('SELECT 1 FROM ledger_journals WHERE idempotency_key = $1', [
        `task-payout:${acceptanceId}`,
      ])
    ).rowCount;
  const net = (reward: number) => splitPayout(toMicro(reward)!, deps.config.PLATFORM_FEE_BPS, 0).net;

  it.each([
    [0.5, REVIEW_WINDOW_TIERS[0].windowMs],
    [5, REVIEW_WINDOW_TIERS[1].windowMs],
    [50, REVIEW_WINDOW_TIERS[2].windowMs],
    [500, REVIEW_WINDOW_TIERS[3].windowMs],
  ])(
    'auto-approves a %d USDT submission exactly when its %d ms window ends and pays once',
    async (reward, windowMs) => {
      const creator = await person(reward);
      const worker = await person();
      const task = await newTask(creator, reward, 1);
      const { acceptance_id } = await accept(worker, task.id);
      const submitted = await submit(worker, task.id);
      expect(Date.parse(submitted.review_deadline!) - Date.parse(submitted.submitted_at!)).toBe(windowMs);

      await env.sleep(windowMs - 1000);
      expect((await review(acceptance_id).query(taskReviewStateQuery)).status).toBe('submitted');
      expect(await payoutJournals(acceptance_id)).toBe(0);

      await env.sleep(1000);
      const final = await review(acceptance_id).result();
      expect(final.decision).toBe('auto_approved');
      expect(final.decidedAt).toBe(submitted.review_deadline);
      const view = await getTask(deps, creator, { task_id: task.id });
      expect(view.submissions?.[0]).toMatchObject({
        status: 'approved',
        decided_at: submitted.review_deadline,
      });
      expect(await payoutJournals(acceptance_id)).toBe(1);
      expect(await availableMicro(db, worker.id)).toBe(net(reward));
      if (reward === 0.5)
        maybeRecordHistory(env.address, taskReviewWorkflowId(acceptance_id), 'task-review-auto-approve');
    },
  );

  it('pays once when the creator approves one second before the auto-approval timer', async () => {
    const creator = await person(5);
    const worker = await person();
    const task = await newTask(creator, 5, 1);
    const { acceptance_id } = await accept(worker, task.id);
    await submit(worker, task.id);
    await env.sleep(REVIEW_WINDOW_TIERS[1].windowMs - 1000);

    const approved = await decide(creator, task.id, acceptance_id, 'approve');
    expect(approved).toMatchObject({ status: 'approved', decision: 'approved', payout_usd: 4.5 });
    await env.sleep(2 * HOUR);
    expect((await review(acceptance_id).result()).decision).toBe('approved');
    expect(await payoutJournals(acceptance_id)).toBe(1);
    expect(await availableMicro(db, worker.id)).toBe(net(5));
    maybeRecordHistory(env.address, taskReviewWorkflowId(acceptance_id), 'task-review-approve');
  });

  it('refuses an approval that arrives after auto-approval with 409 and still pays once', async () => {
    const creator = await person(0.5);
    const worker = await person();
    const task = await newTask(creator, 0.5, 1);
    const { acceptance_id } = await accept(worker, task.id);
    await submit(worker, task.id);
    await env.sleep(REVIEW_WINDOW_TIERS[0].windowMs);
    await review(acceptance_id).result();

    await expect(decide(creator, task.id, acceptance_id, 'approve')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'submission is already approved',
    });
    expect(await payoutJournals(acceptance_id)).toBe(1);
  });

  it('reopens the slot on rejection so a new worker can accept, submit and get auto-approved', async () => {
    const creator = await person(2);
    const [first, second] = [await person(), await person()];
    const task = await newTask(creator, 2, 1);
    const a1 = await accept(first, task.id);
    await submit(first, task.id);
    await expect(accept(second, task.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    const rejected = await decide(creator, task.id, a1.acceptance_id, 'reject');
    expect(rejected).toMatchObject({ status: 'rejected', decision: 'rejected', payout_usd: null });
    expect((await getTask(deps, second, { task_id: task.id })).slots_available).toBe(1);
    expect(await balanceOf(db, { ownerId: creator.id, purpose: 'escrow', subject: `task:${task.id}` })).toBe(
      toMicro(2),
    );
    expect((await review(a1.acceptance_id).result()).status).toBe('rejected');
    maybeRecordHistory(env.address, taskReviewWorkflowId(a1.acceptance_id), 'task-review-reject');

    const a2 = await accept(second, task.id);
    await submit(second, task.id);
    await env.sleep(REVIEW_WINDOW_TIERS[1].windowMs);
    expect((await review(a2.acceptance_id).result()).decision).toBe('auto_approved');
    expect(await availableMicro(db, first.id)).toBe(0);
    expect(await availableMicro(db, second.id)).toBe(net(2));
    expect((await getTask(deps, creator, { task_id: task.id })).status).toBe('completed');
  });

  it('releases an accepted slot when no proof arrives by the accept deadline', async () => {
    const creator = await person(1);
    const worker = await person();
    const task = await newTask(creator, 1, 1);
    const { acceptance_id } = await accept(worker, task.id);
    await env.sleep(ACCEPT_DEADLINE_S * 1000);
    expect((await review(acceptance_id).result()).status).toBe('expired');
    const view = await getTask(deps, creator, { task_id: task.id });
    expect(view.slots_available).toBe(1);
    expect(view.submissions?.[0]).toMatchObject({ status: 'expired', decision: 'expired' });
    await expect(submit(worker, task.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The acceptance opened its own slot (opensAcceptance): its history guards that first step.
    maybeRecordHistory(
      env.address,
      taskReviewWorkflowId(acceptance_id),
      'task-review-opens-acceptance-expired',
    );
  });

  it('accounts for every micro-USDT across approve, reject, re-accept, auto-approve and cancel', async () => {
    const reward = 2.5;
    const R = toMicro(reward)!;
    const referrer = await person();
    const creator = await person(10);
    const [w1, w2, w3] = [await person(), await person(), await person()];
    const w4 = await person(0, { referredBy: referrer.id });
    const startFees = await balanceOf(db, { ownerId: null, purpose: 'platform_fees' });

    const task = await newTask(creator, reward, 3);
    expect(await availableMicro(db, creator.id)).toBe(toMicro(10)! - 3 * R);
    const [a1, a2, a3] = [await accept(w1, task.id), await accept(w2, task.id), await accept(w3, task.id)];
    for (const w of [w1, w2, w3]) await submit(w, task.id);
    await decide(creator, task.id, a1.acceptance_id, 'approve');
    await decide(creator, task.id, a2.acceptance_id, 'reject');

    const a4 = await accept(w4, task.id);
    await submit(w4, task.id);
    // The third worker is rejected too: its slot is the one the cancellation refunds.
    await decide(creator, task.id, a3.acceptance_id, 'reject');
    await env.sleep(REVIEW_WINDOW_TIERS[1].windowMs);
    expect((await review(a4.acceptance_id).result()).decision).toBe('auto_approved');

    const cancelled = await cancelTask(deps, creator, { task_id: task.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', refunded_usd: reward });

    const split = splitPayout(R, deps.config.PLATFORM_FEE_BPS, deps.config.REFERRAL_SHARE_BPS);
    const fee = splitPayout(R, deps.config.PLATFORM_FEE_BPS, 0).fee;
    expect(await availableMicro(db, creator.id)).toBe(toMicro(10)! - 2 * R);
    expect(await availableMicro(db, w1.id)).toBe(R - fee);
    expect(await availableMicro(db, w2.id)).toBe(0);
    expect(await availableMicro(db, w3.id)).toBe(0);
    expect(await availableMicro(db, w4.id)).toBe(split.net);
    expect(await availableMicro(db, referrer.id)).toBe(split.referralCommission);
    expect((await balanceOf(db, { ownerId: null, purpose: 'platform_fees' })) - startFees).toBe(
      2 * fee - split.referralCommission,
    );
    expect(await balanceOf(db, { ownerId: creator.id, purpose: 'escrow', subject: `task:${task.id}` })).toBe(
      0,
    );
    await assertLedgerConsistent(db);
  });

  it('runs a submission accepted before cancellation to its end and then returns its escrow', async () => {
    const creator = await person(30);
    const worker = await person();
    const task = await newTask(creator, 10, 3);
    const { acceptance_id } = await accept(worker, task.id);
    await submit(worker, task.id);

    const cancelled = await cancelTask(deps, creator, { task_id: task.id });
    expect(cancelled.refunded_usd).toBe(20);
    expect(await availableMicro(db, creator.id)).toBe(toMicro(20));

    await decide(creator, task.id, acceptance_id, 'reject');
    expect(await availableMicro(db, creator.id)).toBe(toMicro(30));
    expect(await balanceOf(db, { ownerId: creator.id, purpose: 'escrow', subject: `task:${task.id}` })).toBe(
      0,
    );
    await assertLedgerConsistent(db);
  });
});
