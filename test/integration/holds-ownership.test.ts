/**
 * One owner for every hold: no money enters held or escrow without the workflow that owns it, task
 * cancel and its refund are one step, and the reconciler returns (once, on the record) any held or
 * escrow balance whose owner workflow is closed or missing — and never one whose owner is alive.
 * Real API, worker, Postgres and Temporal dev server.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/pool';
import { balanceOf, postJournal } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { ensureSchedules } from '../../worker/schedules';
import {
  RECONCILER_WORKFLOW_TYPE,
  type ReconcilerInput,
  type ReconcilerWorkflow,
  reconcilerStartOptions,
} from '../../workflows/reconciler/contract';
import { rentalWorkflowId } from '../../workflows/rental/contract';
import { taskWorkflowId } from '../../workflows/task/contract';
import { taskReviewWorkflowId } from '../../workflows/task/contract';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  fund,
} from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

type Json = Record<string, unknown>;

/** Everything an account has in held or escrow accounts, micro-USDT. */
async function heldMicro(db: Db, accountId: string): Promise<number> {
  const r = await db.query<{ total: number | null }>(
    `SELECT sum(balance)::bigint AS total FROM ledger_accounts WHERE owner_id = $1 AND purpose IN ('held', 'escrow')`,
    [accountId],
  );
  return r.rows[0].total ?? 0;
}

/** A hold nothing owns: posted straight into the ledger, as a crash between post and start would leave it. */
async function strandedHold(db: Db, accountId: string, subject: string, usdt: number): Promise<void> {
  const amount = toMicro(usdt)!;
  await postJournal(db, {
    idempotencyKey: `test-stranded:${subject}`,
    kind: subject.startsWith('task:') ? 'task_escrow' : 'rental_hold',
    reference: subject,
    lines: [
      { account: { ownerId: accountId, purpose: 'available' }, amount: -amount },
      { account: { ownerId: accountId, purpose: 'escrow', subject }, amount },
    ],
  });
}

const taskBody = {
  title: 'Label 10 images',
  description: 'Label them',
  category: 'data',
  reward_usd: 2,
  slots: 3,
};

describe('a rental or task whose workflow cannot start', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A namespace Temporal does not have: every start is refused, deterministically.
    stack = await startStack({
      worker: false,
      config: { TEMPORAL_NAMESPACE: `missing-${randomUUID().slice(0, 8)}` },
    });
  });
  afterAll(() => stack?.stop());

  test('a rental whose workflow start fails leaves no money held', async () => {
    const renter = await createFundedAccount(stack.db, 100);
    const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    const res = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 10,
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await heldMicro(stack.db, renter.id)).toBe(0);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(100));
    const rows = await stack.db.query('SELECT 1 FROM rentals WHERE renter_id = $1', [renter.id]);
    expect(rows.rowCount).toBe(0);
  });

  test('a task whose workflow start fails leaves no money in escrow', async () => {
    const creator = await createFundedAccount(stack.db, 100, { kind: 'bot' });
    const res = await apiClient(stack.url, creator.apiKey)('POST', '/api/v1/agent/tasks', taskBody);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await heldMicro(stack.db, creator.id)).toBe(0);
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(100));
  });
});

describe('owned holds, task cancel and the reconciler', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Short proof deadline: an acceptance of a cancelled task ends within the test.
    stack = await startStack({ config: { TASK_ACCEPT_DEADLINE_SECONDS: '2' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const reconcile = (input: ReconcilerInput, workflowId = `reconciler-test-${randomUUID()}`) =>
    stack.client.workflow.execute<ReconcilerWorkflow>(
      RECONCILER_WORKFLOW_TYPE,
      reconcilerStartOptions(workflowId, stack.config.TEMPORAL_TASK_QUEUE, input),
    );
  const repairsOf = (accountId: string) =>
    stack.db.query<{ subject: string; amount: number; owner_state: string; owner_status: string | null }>(
      'SELECT subject, amount, owner_state, owner_status FROM reconciler_repairs WHERE account_id = $1',
      [accountId],
    );

  test('the reconciler returns an escrow whose owner workflow is missing, exactly once, and records it', async () => {
    const creator = await createFundedAccount(stack.db, 50);
    const subject = `task:${randomUUID()}`;
    await strandedHold(stack.db, creator.id, subject, 20);

    const firstId = `reconciler-test-${randomUUID()}`;
    const first = await reconcile({ graceMinutes: 0, accountIds: [creator.id] }, firstId);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, firstId, 'reconciler-repair');
    const second = await reconcile({ graceMinutes: 0, accountIds: [creator.id] });

    expect(first.repaired).toBe(1);
    expect(second.repaired).toBe(0);
    expect(await heldMicro(stack.db, creator.id)).toBe(0);
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(50));
    const repairs = await repairsOf(creator.id);
    expect(repairs.rows).toEqual([
      { subject, amount: toMicro(20), owner_state: 'missing', owner_status: null },
    ]);
    const journals = await stack.db.query(
      `SELECT 1 FROM ledger_journals WHERE kind = 'hold_repair' AND reference = $1`,
      [subject],
    );
    expect(journals.rowCount).toBe(1);
    await assertLedgerConsistent(stack.db);
    // Operators see it.
    const listed = await apiClient(stack.url, TEST_ADMIN_KEY)<{ repairs: Json[] }>(
      'GET',
      '/api/v1/admin/reconciler/repairs?limit=100',
    );
    expect(listed.body.repairs).toContainEqual(
      expect.objectContaining({ account_id: creator.id, subject, amount: 20, owner_state: 'missing' }),
    );
  });

  test('the reconciler returns a hold whose owner workflow is closed', async () => {
    const renter = await createFundedAccount(stack.db, 30);
    const rentalId = randomUUID();
    // A closed `rental-<id>`: any workflow that ran to its end under that id.
    await stack.client.workflow.execute<ReconcilerWorkflow>(
      RECONCILER_WORKFLOW_TYPE,
      reconcilerStartOptions(`rental-${rentalId}`, stack.config.TEMPORAL_TASK_QUEUE, {
        accountIds: [randomUUID()],
      }),
    );
    await strandedHold(stack.db, renter.id, `rental:${rentalId}`, 12);

    expect((await reconcile({ graceMinutes: 0, accountIds: [renter.id] })).repaired).toBe(1);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(30));
    expect((await repairsOf(renter.id)).rows).toEqual([
      {
        subject: `rental:${rentalId}`,
        amount: toMicro(12),
        owner_state: 'closed',
        owner_status: 'COMPLETED',
      },
    ]);
  });

  test('the reconciler is scheduled every 10 minutes with overlap skip, idempotently', async () => {
    const opts = {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      agentHealthScheduleId: `agent-health-checks-test-${randomUUID()}`,
      idempotencyKeyPurgeScheduleId: `idempotency-key-purge-test-${randomUUID()}`,
      reconcilerScheduleId: `held-balance-reconciler-test-${randomUUID()}`,
      orphanBlobSweepScheduleId: `orphan-file-blob-sweep-test-${randomUUID()}`,
      auditCompletionScheduleId: `admin-audit-completion-test-${randomUUID()}`,
    };
    await ensureSchedules(stack.client, opts);
    await ensureSchedules(stack.client, opts); // a second worker start converges, never throws
    try {
      const described = await stack.client.schedule.getHandle(opts.reconcilerScheduleId).describe();
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([10 * 60_000]);
      expect(described.action.workflowType).toBe('reconcilerWorkflow');
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    } finally {
      for (const id of [
        opts.agentHealthScheduleId,
        opts.idempotencyKeyPurgeScheduleId,
        opts.reconcilerScheduleId,
        opts.orphanBlobSweepScheduleId,
        opts.auditCompletionScheduleId,
      ])
        await stack.client.schedule.getHandle(id).delete();
    }
  });

  test('the reconciler leaves an ownerless withdrawal hold that signed a transfer to an operator', async () => {
    const account = await createFundedAccount(stack.db, 40);
    const withdrawalId = randomUUID();
    await stack.db.query(
      `INSERT INTO withdrawals (id, account_id, amount, fee, net_amount, address, status)
       VALUES ($1, $2, 30000000, 1500000, 28500000, 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'broadcast')`,
      [withdrawalId, account.id],
    );
    await stack.db.query(
      `INSERT INTO withdrawal_attempts (withdrawal_id, attempt, txid, signed_tx, expiration) VALUES ($1, 1, $2, '{}', 0)`,
      [withdrawalId, randomUUID().replace(/-/g, '')],
    );
    await postJournal(stack.db, {
      idempotencyKey: `test-stranded:withdrawal:${withdrawalId}`,
      kind: 'withdrawal_hold',
      lines: [
        { account: { ownerId: account.id, purpose: 'available' }, amount: -toMicro(30)! },
        {
          account: { ownerId: account.id, purpose: 'held', subject: `withdrawal:${withdrawalId}` },
          amount: toMicro(30)!,
        },
      ],
    });

    expect(await reconcile({ graceMinutes: 0, accountIds: [account.id] })).toMatchObject({
      repaired: 0,
      needsOperator: 1,
    });
    expect(await heldMicro(stack.db, account.id)).toBe(toMicro(30));
    const alerts = await stack.db.query(
      `SELECT 1 FROM operator_alerts WHERE kind = 'ownerless_hold' AND subject = $1 AND resolved_at IS NULL`,
      [`withdrawal:${withdrawalId}`],
    );
    expect(alerts.rowCount).toBe(1);
  });

  test('the reconciler leaves a hold younger than the grace period alone', async () => {
    const creator = await createFundedAccount(stack.db, 10);
    await strandedHold(stack.db, creator.id, `task:${randomUUID()}`, 4);

    expect((await reconcile({ graceMinutes: 5, accountIds: [creator.id] })).repaired).toBe(0);
    expect(await heldMicro(stack.db, creator.id)).toBe(toMicro(4));
  });

  test("the reconciler never touches a live owner's hold", async () => {
    const renter = await createFundedAccount(stack.db, 100);
    const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 0.5 });
    const creator = await createFundedAccount(stack.db, 100, { kind: 'bot' });
    const rental = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 60,
    });
    expect(rental.status).toBe(201);
    const task = await apiClient(stack.url, creator.apiKey)('POST', '/api/v1/agent/tasks', taskBody);
    expect(task.status).toBe(201);

    const result = await reconcile({ graceMinutes: 0, accountIds: [renter.id, creator.id] });

    expect(result).toMatchObject({ scanned: 2, repaired: 0 });
    expect(await heldMicro(stack.db, renter.id)).toBe(toMicro(30));
    expect(await heldMicro(stack.db, creator.id)).toBe(toMicro(6));
  });

  test('a rental is held by its own workflow: 402 when short holds nothing and writes no rental', async () => {
    const renter = await createFundedAccount(stack.db, 1);
    const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    const res = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 5,
    });
    expect(res.status).toBe(402);
    expect(await heldMicro(stack.db, renter.id)).toBe(0);
    expect((await stack.db.query('SELECT 1 FROM rentals WHERE renter_id = $1', [renter.id])).rowCount).toBe(
      0,
    );
  });

  test('a rental refused for a short balance starts with the same Idempotency-Key once funded', async () => {
    const renter = await createFundedAccount(stack.db, 1);
    const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    const call = apiClient(stack.url, renter.apiKey);
    const key = { 'Idempotency-Key': randomUUID() };
    expect((await call('POST', '/api/rentals', { agent_id: bot.id, minutes: 3 }, key)).status).toBe(402);
    await fund(stack.db, renter.id, 5);

    const retried = await call<Json>('POST', '/api/rentals', { agent_id: bot.id, minutes: 3 }, key);

    expect(retried.status).toBe(201);
    expect(await heldMicro(stack.db, renter.id)).toBe(toMicro(3));
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(3));
  });

  test('a rental ended early settles exactly what its own workflow held', async () => {
    const renter = await createFundedAccount(stack.db, 20);
    const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    const call = apiClient(stack.url, renter.apiKey);
    const rental = await call<Json & { id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 10,
    });
    expect(rental.status).toBe(201);
    expect(await heldMicro(stack.db, renter.id)).toBe(toMicro(10));

    expect((await call('POST', `/api/rentals/${rental.body.id}/end`, {})).status).toBe(200);

    // One started minute billed, nine returned; nothing left held.
    expect(await heldMicro(stack.db, renter.id)).toBe(0);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(19));
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.body.id)).result();
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.body.id), 'rental-owns-hold');
  });

  test('task cancel changes the status only together with its refund', async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const call = apiClient(stack.url, creator.apiKey);
    const created = await call<Json & { id: string }>('POST', '/api/v1/agent/tasks', taskBody);
    expect(created.status).toBe(201);
    const taskId = created.body.id;
    const escrow = { ownerId: creator.id, purpose: 'escrow' as const, subject: `task:${taskId}` };
    // While the refund cannot be posted (a real Postgres failure), the cancel must not take effect.
    const fn = `test_block_refund_${taskId.replace(/-/g, '')}`;
    await stack.db.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.kind = 'task_refund' AND NEW.reference = 'task:${taskId}' THEN RAISE EXCEPTION 'refund blocked'; END IF;
        RETURN NEW;
      END $$`);
    await stack.db.query(
      `CREATE TRIGGER ${fn} BEFORE INSERT ON ledger_journals FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
    let answer: ReturnType<typeof call<Json>> | undefined;
    try {
      answer = call<Json>('POST', `/api/v1/agent/tasks/${taskId}/cancel`);
      await new Promise((r) => setTimeout(r, 2500));
      const row = await stack.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [
        taskId,
      ]);
      expect({ status: row.rows[0].status, escrow: await balanceOf(stack.db, escrow) }).toEqual({
        status: 'open',
        escrow: toMicro(6),
      });
    } finally {
      await stack.db.query(`DROP TRIGGER ${fn} ON ledger_journals`);
      await stack.db.query(`DROP FUNCTION ${fn}()`);
    }
    const res = await answer!;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', refunded_usd: 6 });
    expect(await balanceOf(stack.db, escrow)).toBe(0);
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(10));
  });

  test("a task's workflow owns its escrow until it is gone, then closes", async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const call = apiClient(stack.url, creator.apiKey);
    const created = await call<Json & { id: string }>('POST', '/api/v1/agent/tasks', taskBody);
    const handle = stack.client.workflow.getHandle(taskWorkflowId(created.body.id));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    expect((await call('POST', `/api/v1/agent/tasks/${created.body.id}/cancel`)).status).toBe(200);

    expect(await handle.result()).toMatchObject({ status: 'closed', cancelRefunded: toMicro(6) });
    expect((await call('POST', `/api/v1/agent/tasks/${created.body.id}/cancel`)).status).toBe(409);
  });

  test("a cancelled task's workflow keeps a running acceptance's escrow until that acceptance ends", async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const worker = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const created = await apiClient(stack.url, creator.apiKey)<Json & { id: string }>(
      'POST',
      '/api/v1/agent/tasks',
      taskBody,
    );
    const taskId = created.body.id;
    const accepted = await apiClient(stack.url, worker.apiKey)<Json & { acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${taskId}/accept`,
      undefined,
      { 'Idempotency-Key': randomUUID() },
    );
    expect(accepted.status).toBe(200);

    const cancelled = await apiClient(stack.url, creator.apiKey)(
      'POST',
      `/api/v1/agent/tasks/${taskId}/cancel`,
    );
    expect(cancelled.body).toMatchObject({ status: 'cancelled', refunded_usd: 4 });
    expect(await heldMicro(stack.db, creator.id)).toBe(toMicro(2));

    // No proof within 2 s: the slot expires, its escrow returns, and the owner closes.
    const handle = stack.client.workflow.getHandle(taskWorkflowId(taskId));
    expect(await handle.result()).toMatchObject({ status: 'closed' });
    expect(await heldMicro(stack.db, creator.id)).toBe(0);
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(10));
    maybeRecordHistory(
      stack.config.TEMPORAL_ADDRESS,
      taskWorkflowId(taskId),
      'task-cancel-running-acceptance',
    );
    maybeRecordHistory(
      stack.config.TEMPORAL_ADDRESS,
      taskReviewWorkflowId(accepted.body.acceptance_id),
      'task-review-expired-tells-owner',
    );
  });
});
