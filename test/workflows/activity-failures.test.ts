/**
 * Activities say which failures are permanent (issue 11): a value Postgres refuses fails the
 * activity for good with type INVALID_DATA, the workflow refuses the request with a 400, releases
 * its locks and carries on to its end and settlement; a transient error is still retried.
 * Time-skipping server; the production activities against the real Postgres of this run (the
 * message reaches the workflow without the API's edge validation), and stub activities where a
 * failure must be staged.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { withFailureClassification } from '../../activities/failures';
import type { StoredRentalMessage } from '../../activities/rentals';
import { httpErrorOf } from '../../api/errors';
import type { Principal } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { acceptTask, createTask, reviewSubmission, submitProof } from '../../api/use-cases/tasks';
import type { Config } from '../../domain/config';
import type { Db } from '../../db/pool';
import { ErrorCode } from '../../domain/errors';
import { balanceOf, postJournal } from '../../db/ledger';
import { createLogger } from '../../worker/logger';
import { toMicro } from '../../domain/money';
import {
  chatWithAgentUpdate,
  endRentalUpdate,
  postRentalMessageUpdate,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  type RentalWorkflow,
  rentalStartOptions,
} from '../../workflows/rental/contract';
import {
  DEPOSIT_WORKFLOW_TYPE,
  type DepositWorkflow,
  depositStartOptions,
} from '../../workflows/deposit/contract';
import { taskReviewStateQuery, taskReviewWorkflowId } from '../../workflows/task/contract';
import { assertLedgerConsistent, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { productionBundle } from '../harness/stack';
import { startTimeSkippingWorker, type TimeSkippingWorker } from '../harness/time-skipping-worker';

const PRICE_MICRO = toMicro(0.5)!;
const NUL_TEXT = 'x\u0000y';
/** Long enough for a refusal to travel; a retry loop never answers within it. */
const ANSWER_WITHIN_MS = 15_000;

/** What the API would answer for a failed update: its status and business code. */
async function outcome(p: Promise<unknown>): Promise<{ status: number; code: string } | 'ok' | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<'no answer'>((resolve) => {
    timer = setTimeout(() => resolve('no answer'), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([
      p.then(
        () => 'ok' as const,
        (err: unknown) => {
          const http = httpErrorOf(err);
          return http ? { status: http.status, code: http.code } : { status: 500, code: String(err) };
        },
      ),
      noAnswer,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A pg DatabaseError as node-postgres raises it (server severity + SQLSTATE). */
const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'ERROR', name: 'error' });

describe('permanent activity failures (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let config: Config;
  let deps: ApiDeps;
  let harness: TimeSkippingWorker | undefined;

  beforeAll(async () => {
    harness = await startTimeSkippingWorker();
    ({ env, db, config, deps } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  async function rentalInput(minutes: number): Promise<RentalInput> {
    const owner = await createTestAccount(db);
    const bot = await createTestAccount(db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.5 });
    const renter = await createFundedAccount(db, 100);
    return {
      rentalId: randomUUID(),
      agentId: bot.id,
      agentName: bot.username,
      renterId: renter.id,
      renterUsername: renter.username,
      ownerId: owner.id,
      minutes,
      pricePerMinute: PRICE_MICRO,
      channel: 'API',
      eventsEnabled: false,
    };
  }

  /** The hold as the API posts it, then the workflow. */
  async function startRental(
    minutes: number,
    taskQueue = config.TEMPORAL_TASK_QUEUE,
  ): Promise<{ handle: WorkflowHandle<RentalWorkflow>; input: RentalInput }> {
    const input = await rentalInput(minutes);
    const hold = PRICE_MICRO * minutes;
    await postJournal(db, {
      idempotencyKey: `rental-hold:${input.rentalId}`,
      kind: 'rental_hold',
      reference: `rental:${input.rentalId}`,
      lines: [
        { account: { ownerId: input.renterId, purpose: 'available' }, amount: -hold },
        { account: escrowKey(input), amount: hold },
      ],
    });
    const handle = await env.client.workflow.start<RentalWorkflow>(
      RENTAL_WORKFLOW_TYPE,
      rentalStartOptions(input, taskQueue),
    );
    return { handle, input };
  }

  const escrowKey = (input: RentalInput) => ({
    ownerId: input.renterId,
    purpose: 'escrow' as const,
    subject: `rental:${input.rentalId}`,
  });

  it('turns the real Postgres error for a NUL in a message into a non-retryable INVALID_DATA failure', async () => {
    const activities = createActivities({
      config,
      db,
      logger: createLogger('silent', 'test'),
      temporal: env.client,
    });
    const { handle, input } = await startRental(5);
    const err = await activities
      .storeRentalMessage({
        id: randomUUID(),
        rentalId: input.rentalId,
        seq: 1,
        senderId: input.renterId,
        content: NUL_TEXT,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: ErrorCode.InvalidData, nonRetryable: true });
    expect((err as ApplicationFailure).details?.[0]).toMatchObject({ sqlstate: '22021' });
    await handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: input.renterId }] });
  });

  it('refuses a rental message Postgres cannot store with a 400, then stores the next one and settles on end', async () => {
    const r = await startRental(30);
    const refused = await outcome(
      r.handle.executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.renterId, content: NUL_TEXT }],
      }),
    );
    expect(refused).toEqual({ status: 400, code: 'validation' });

    // The transcript lock was released and the refused message left no gap in the sequence.
    const next = await r.handle.executeUpdate(postRentalMessageUpdate, {
      args: [{ senderId: r.input.renterId, content: 'hello' }],
    });
    expect(next.seq).toBe(1);

    const ended = await outcome(
      r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] }),
    );
    expect(ended).toBe('ok');
    const final = await r.handle.result();
    expect(final).toMatchObject({ status: 'ended', endedBy: 'renter', settled: true });
    expect(await balanceOf(db, escrowKey(r.input))).toBe(0);
    await assertLedgerConsistent(db);
  });

  it('refuses a /v1/chat message Postgres cannot store with a 400 and the clock still ends and settles the rental', async () => {
    const r = await startRental(3);
    const refused = await outcome(
      r.handle.executeUpdate(chatWithAgentUpdate, {
        args: [{ renterId: r.input.renterId, message: NUL_TEXT }],
      }),
    );
    expect(refused).toEqual({ status: 400, code: 'validation' });

    const final = await r.handle.result();
    expect(final).toMatchObject({ status: 'ended', endedBy: 'clock', settled: true });
    expect(final.settlement?.billedMinutes).toBe(3);
    expect(await balanceOf(db, escrowKey(r.input))).toBe(0);
  });

  describe('a task proof', () => {
    const principal = (accountId: string): Principal => ({
      accountId,
      role: 'user',
      isBot: true,
      via: 'api_key',
    });

    /** A 5-USDT one-slot task, accepted: what a proof submission needs. */
    async function acceptedTask() {
      const creator = principal((await createFundedAccount(db, 5, { kind: 'bot' })).id);
      const worker = principal((await createFundedAccount(db, 0, { kind: 'bot' })).id);
      const task = await createTask(deps, creator, {
        title: `task ${randomUUID()}`,
        description: 'post proof',
        category: 'social',
        reward_usd: toMicro(5)!,
        slots: 1,
      });
      const { acceptance_id } = await acceptTask(deps, worker, {
        task_id: task.id,
        idempotency_key: randomUUID(),
      });
      const escrow = { ownerId: creator.accountId, purpose: 'escrow' as const, subject: `task:${task.id}` };
      return {
        creator,
        taskId: task.id,
        acceptanceId: acceptance_id,
        escrow,
        held: await balanceOf(db, escrow),
        review: env.client.workflow.getHandle(taskReviewWorkflowId(acceptance_id)),
        submit: (proofText: string) =>
          submitProof(deps, worker, {
            task_id: task.id,
            proof_text: proofText,
            proof_url: null,
            idempotency_key: randomUUID(),
          }),
      };
    }

    it('Postgres cannot store is refused with a 400, escrow unchanged, and a clean proof is then accepted', async () => {
      const t = await acceptedTask();
      expect(await outcome(t.submit(NUL_TEXT))).toEqual({ status: 400, code: 'validation' });
      expect(await balanceOf(db, t.escrow)).toBe(t.held);
      expect((await t.review.query(taskReviewStateQuery)).status).toBe('accepted');

      const submitted = await t.submit('done');
      expect(submitted.status).toBe('submitted');
      expect(await balanceOf(db, t.escrow)).toBe(t.held);
    });

    it('rejected with a reason Postgres cannot store is still rejected (without the reason) and keeps its escrow', async () => {
      const t = await acceptedTask();
      await t.submit('done');
      const rejected = await outcome(
        reviewSubmission(deps, t.creator, {
          task_id: t.taskId,
          acceptance_id: t.acceptanceId,
          decision: 'reject',
          reason: NUL_TEXT,
        }),
      );
      expect(rejected).toBe('ok');
      expect(await t.review.result()).toMatchObject({ status: 'rejected', reason: null });
      expect(await balanceOf(db, t.escrow)).toBe(t.held);
    });
  });

  describe('with stub activities', () => {
    const taskQueue = `activity-failures-${randomUUID()}`;
    let worker: Worker;
    let running: Promise<void>;
    const store: { fail: (call: number) => Error | undefined; calls: number } = {
      fail: () => undefined,
      calls: 0,
    };
    const settlements: string[] = [];
    const seqs = new Map<string, number>();
    const alerts: Array<{ kind: string; subject: string; errorType: string }> = [];
    let credits = 0;

    beforeAll(async () => {
      const stored = (m: {
        id: string;
        rentalId: string;
        seq: number;
        senderId: string;
        content: string;
      }) => ({
        id: m.id,
        rental_id: m.rentalId,
        seq: m.seq,
        sender_id: m.senderId,
        sender_username: 'someone',
        content: m.content,
        created_at: new Date().toISOString(),
      });
      worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await productionBundle(),
        // Wrapped as activities/index.ts wraps the production ones.
        activities: withFailureClassification({
          async recordRentalStarted() {},
          async recordRentalState() {},
          // Rental events route by the bot's profile (issue 15); nothing to route here.
          async deliverRentalEvent() {
            return 'none' as const;
          },
          async storeRentalMessage(m: {
            id: string;
            rentalId: string;
            seq: number;
            senderId: string;
            content: string;
          }): Promise<StoredRentalMessage> {
            const failure = store.fail(++store.calls);
            if (failure) throw failure;
            return stored(m);
          },
          // Under rental-row-transcript the rentals row gives the seq and stores the message.
          async storeMessageInRow(m: {
            id: string;
            rentalId: string;
            senderId: string;
            content: string;
          }): Promise<StoredRentalMessage & { agentIntegration: 'events' }> {
            const failure = store.fail(++store.calls);
            if (failure) throw failure;
            const seq = (seqs.get(m.rentalId) ?? 0) + 1;
            seqs.set(m.rentalId, seq);
            return { ...stored({ ...m, seq }), agentIntegration: 'events' };
          },
          async closeTranscript() {
            return null;
          },
          // Health-gated billing (issue 25.3): nothing to check, no minute unavailable.
          async checkRentalAgent() {
            return { proxy: false };
          },
          async rentalUnavailableMinutes() {
            return [];
          },
          async postLedger() {
            return { journalId: randomUUID(), created: true };
          },
          async payEarner(p: { idempotencyKey: string }) {
            settlements.push(p.idempotencyKey);
            return { net: 0, fee: 0, referralCommission: 0, referrerId: null };
          },
          async recordDeposit() {},
          async checkDeposit() {
            return { state: 'solid' as const, amount: 1, blockNumber: 1 };
          },
          async creditDeposit() {
            credits++;
            throw pgError('22003', 'value out of range for type bigint');
          },
          async raiseOperatorAlert(a: { kind: string; subject: string; errorType: string }) {
            alerts.push({ kind: a.kind, subject: a.subject, errorType: a.errorType });
          },
        }),
      });
      running = worker.run();
    });

    afterAll(async () => {
      worker?.shutdown();
      await running;
    });

    beforeEach(() => {
      store.calls = 0;
    });

    it('a data error from the store is not retried: the message is a 400 and the rental still ends and settles', async () => {
      store.fail = () => pgError('22P05', 'unsupported Unicode escape sequence');
      const r = await startRental(30, taskQueue);
      const refused = await outcome(
        r.handle.executeUpdate(postRentalMessageUpdate, {
          args: [{ senderId: r.input.renterId, content: 'anything' }],
        }),
      );
      expect(refused).toEqual({ status: 400, code: 'validation' });
      expect(store.calls).toBe(1);

      await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.ownerId }] });
      expect(await r.handle.result()).toMatchObject({ endedBy: 'owner', settled: true });
      expect(settlements).toContain(`rental-settlement:${r.input.rentalId}`);
    });

    it.each([
      ['40001', 'could not serialize access due to concurrent update'],
      ['40P01', 'deadlock detected'],
      ['57014', 'canceling statement due to statement timeout'],
      ['08006', 'connection failure'],
    ])('a transient error (SQLSTATE %s) is retried until the message is stored', async (code, message) => {
      store.fail = (call) => (call <= 2 ? pgError(code, message) : undefined);
      const r = await startRental(30, taskQueue);
      const stored = await r.handle.executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.renterId, content: 'hello' }],
      });
      expect(stored.content).toBe('hello');
      expect(store.calls).toBe(3);
      await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] });
    });

    it('a deposit whose credit Postgres refuses is credited once, alerts an operator and fails instead of retrying', async () => {
      const txid = randomUUID().replace(/-/g, '');
      const handle = await env.client.workflow.start<DepositWorkflow>(
        DEPOSIT_WORKFLOW_TYPE,
        depositStartOptions(
          {
            deposit: {
              txid,
              logIndex: 0,
              accountId: randomUUID(),
              address: 'T-address',
              from: 'T-sender',
              amount: 1,
              blockNumber: 1,
              expiration: Date.now() + 60_000,
            },
            pollIntervalMs: 3000,
            confirmations: 1,
          },
          taskQueue,
        ),
      );
      const failed = await Promise.race([
        handle.result().then(
          () => 'completed',
          (err: unknown) => err,
        ),
        new Promise((resolve) => setTimeout(() => resolve('no end'), ANSWER_WITHIN_MS)),
      ]);
      expect(failed).toBeInstanceOf(WorkflowFailedError);
      expect(credits).toBe(1);
      expect(alerts).toEqual([
        {
          kind: 'deposit_failed',
          subject: `deposit-${txid}-0:local-activity`,
          errorType: ErrorCode.InvalidData,
        },
      ]);
    });

    it('a dropped connection (ECONNRESET) is retried until the message is stored', async () => {
      store.fail = (call) =>
        call === 1 ? Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) : undefined;
      const r = await startRental(30, taskQueue);
      await r.handle.executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.renterId, content: 'hello' }],
      });
      expect(store.calls).toBe(2);
      await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] });
    });
  });

  it('names the refusal for the client: the API maps INVALID_DATA to 400', () => {
    const failure = ApplicationFailure.nonRetryable('a value could not be stored', ErrorCode.InvalidData);
    const err = new WorkflowUpdateFailedError('update failed', failure);
    expect(httpErrorOf(err)).toMatchObject({ status: 400, code: 'invalid_data' });
  });
});
