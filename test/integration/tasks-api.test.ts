/**
 * The tasks endpoints end to end: real API, worker, Postgres and Temporal dev server, and a local
 * webhook receiver for the creator's endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import { splitPayout } from '../../domain/payouts';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  type TestAccount,
} from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { taskReviewWorkflowId } from '../../workflows/task/contract';

type Json = Record<string, unknown>;

describe('tasks API', () => {
  let stack: Stack;
  let receiver: http.Server;
  let hookUrl: string;
  const received: Json[] = [];

  beforeAll(async () => {
    stack = await startStack();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body) as Json);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  async function account(usdt = 0, opts: Parameters<typeof createTestAccount>[1] = {}) {
    const a = await createFundedAccount(stack.db, usdt, { kind: 'bot', ...opts });
    return { ...a, call: apiClient(stack.url, a.apiKey) };
  }
  type Caller = Awaited<ReturnType<typeof account>>;

  const taskBody = (over: Json = {}) => ({
    title: 'Follow @agentrent',
    description: 'Follow the account and reply with a link to your profile',
    category: 'social',
    reward_usd: 1.5,
    slots: 2,
    ...over,
  });
  const createTask = async (creator: Caller, over: Json = {}) => {
    const res = await creator.call('POST', '/api/v1/agent/tasks', taskBody(over));
    expect(res.status).toBe(201);
    return res.body as Json & { id: string };
  };
  const accept = (worker: Caller, taskId: string, key: string = randomUUID()) =>
    worker.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/accept`, undefined, { 'Idempotency-Key': key });
  const submit = (
    worker: Caller,
    taskId: string,
    body: Json = { proof_text: 'Done' },
    key: string = randomUUID(),
  ) => worker.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/submit`, body, { 'Idempotency-Key': key });
  const decide = (who: Caller, taskId: string, acceptanceId: string, decision: 'approve' | 'reject') =>
    who.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/submissions/${acceptanceId}/${decision}`, {
      reason: 'checked',
    });
  const escrowOf = (creator: TestAccount, taskId: string) =>
    balanceOf(stack.db, { ownerId: creator.id, purpose: 'escrow', subject: `task:${taskId}` });

  it('escrows slots × reward_usd from the creator at once and returns the task', async () => {
    const creator = await account(10);
    const task = await createTask(creator, { reward_usd: 1.25, slots: 4 });
    expect(task).toMatchObject({
      success: true,
      creator_id: creator.id,
      reward_usd: 1.25,
      slots: 4,
      slots_available: 4,
      slots_filled: 0,
      status: 'open',
      escrow_usd: 5,
    });
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(5));
    expect(await escrowOf(creator, task.id)).toBe(toMicro(5));
    const journal = await stack.db.query('SELECT kind FROM ledger_journals WHERE idempotency_key = $1', [
      `task-escrow:${task.id}`,
    ]);
    expect(journal.rows[0]).toEqual({ kind: 'task_escrow' });
  });

  it('answers 402 when the escrow exceeds the available balance and creates no task', async () => {
    const creator = await account(2);
    const res = await creator.call('POST', '/api/v1/agent/tasks', taskBody({ reward_usd: 1.5, slots: 2 }));
    expect(res).toMatchObject({ status: 402, body: { error: 'insufficient balance' } });
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(2));
    const tasks = await stack.db.query('SELECT 1 FROM tasks WHERE creator_id = $1', [creator.id]);
    expect(tasks.rowCount).toBe(0);
  });

  it('answers 429 with Retry-After: 3600 when the escrow would break max_hourly_spend_usd', async () => {
    const creator = await account(100);
    await stack.db.query(`UPDATE accounts SET settings = '{"max_hourly_spend_usd": 5}' WHERE id = $1`, [
      creator.id,
    ]);
    const res = await creator.call('POST', '/api/v1/agent/tasks', taskBody({ reward_usd: 3, slots: 2 }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3600');
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(100));
  });

  it.each([
    ['reward_usd', { reward_usd: 0 }],
    ['reward_usd', { reward_usd: -1 }],
    ['reward_usd', { reward_usd: 0.0000001 }],
    ['reward_usd', { reward_usd: 0.001 }],
    ['reward_usd', { reward_usd: 10_000.01 }],
    ['reward_usd', { reward_usd: '1.5' }],
    ['slots', { slots: 0 }],
    ['slots', { slots: 1001 }],
    ['slots', { slots: 1.5 }],
    ['title', { title: 'x'.repeat(201) }],
    ['title', { title: '' }],
    ['description', { description: 'x'.repeat(5001) }],
    ['category', { category: 'gambling' }],
  ])('rejects a bad %s (%j) with 400 naming it and takes no escrow', async (field, over) => {
    const creator = await account(100);
    const res = await creator.call<Json>('POST', '/api/v1/agent/tasks', taskBody(over));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(new RegExp(`^${field}: `));
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(100));
  });

  it('searches open tasks with free slots, filtered by category, min_reward and query', async () => {
    const creator = await account(100);
    const worker = await account();
    const marker = randomUUID().slice(0, 8);
    const cheap = await createTask(creator, { title: `cheap ${marker}`, reward_usd: 0.5, slots: 1 });
    const rich = await createTask(creator, { title: `rich ${marker}`, reward_usd: 5, slots: 1 });
    const research = await createTask(creator, { title: `study ${marker}`, category: 'research', slots: 1 });
    const full = await createTask(creator, { title: `full ${marker}`, reward_usd: 5, slots: 1 });
    expect((await accept(worker, full.id)).status).toBe(200);

    const search = async (body: Json) => {
      const res = await worker.call<{ tasks: Json[]; count: number }>(
        'POST',
        '/api/v1/agent/tasks/search',
        body,
      );
      expect(res.status).toBe(200);
      return res.body.tasks.map((t) => t.id);
    };
    expect(await search({ query: marker })).toEqual(expect.arrayContaining([cheap.id, rich.id, research.id]));
    expect(await search({ query: marker })).not.toContain(full.id);
    expect(await search({ query: marker, category: 'social', min_reward: 1 })).toEqual([rich.id]);
    expect(await search({ query: marker, category: 'research' })).toEqual([research.id]);
    expect(await search({ query: marker, limit: 1 })).toHaveLength(1);
    const tooMany = await worker.call<Json>('POST', '/api/v1/agent/tasks/search', { limit: 51 });
    expect(tooMany).toMatchObject({ status: 400, body: { error: 'limit: must be at most 50' } });
  });

  it('creates exactly one acceptance from 20 concurrent accepts with one Idempotency-Key', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator, { slots: 5 });
    const key = `accept-${task.id}-001`;
    const results = await Promise.all(Array.from({ length: 20 }, () => accept(worker, task.id, key)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(new Set(ok.map((r) => r.body.acceptance_id)).size).toBe(1);
    const rows = await stack.db.query('SELECT id FROM task_acceptances WHERE task_id = $1', [task.id]);
    expect(rows.rows).toEqual([{ id: ok[0].body.acceptance_id }]);
    const again = await accept(worker, task.id, key);
    expect(again.body).toEqual(ok[0].body);
  });

  it('answers 422 for an Idempotency-Key reused with a different body and 400 without one', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator);
    expect((await accept(worker, task.id)).status).toBe(200);
    const first = await submit(worker, task.id, { proof_text: 'Done' }, 'submit-1');
    expect(first.status).toBe(200);
    expect(await submit(worker, task.id, { proof_text: 'Done' }, 'submit-1')).toMatchObject({
      status: 200,
      body: first.body,
    });
    expect(await submit(worker, task.id, { proof_text: 'Other' }, 'submit-1')).toMatchObject({
      status: 422,
      body: { error: 'Idempotency-Key was already used with different parameters' },
    });
    const missing = await worker.call('POST', `/api/v1/agent/tasks/${task.id}/accept`);
    expect(missing).toMatchObject({ status: 400, body: { error: 'Idempotency-Key header is required' } });
  });

  it('refuses accepting your own task (403), a second acceptance (409) and a full task (409)', async () => {
    const creator = await account(10);
    const [w1, w2] = [await account(), await account()];
    const task = await createTask(creator, { slots: 1 });
    expect(await accept(creator, task.id)).toMatchObject({
      status: 403,
      body: { error: 'you cannot accept your own task' },
    });
    expect((await accept(w1, task.id)).status).toBe(200);
    expect(await accept(w1, task.id)).toMatchObject({
      status: 409,
      body: { error: 'you already accepted this task' },
    });
    expect(await accept(w2, task.id)).toMatchObject({
      status: 409,
      body: { error: 'no free slots left on this task' },
    });
  });

  it('lets only the creator approve or reject and see every submission', async () => {
    const creator = await account(10);
    const [worker, other] = [await account(), await account()];
    const task = await createTask(creator, { slots: 2 });
    const { body: acc } = await accept(worker, task.id);
    const acceptanceId = String(acc.acceptance_id);
    await submit(worker, task.id, { proof_text: 'Done', proof_url: 'https://x.com/user/status/1' });

    for (const who of [worker, other]) {
      for (const decision of ['approve', 'reject'] as const) {
        expect(await decide(who, task.id, acceptanceId, decision)).toMatchObject({
          status: 403,
          body: { error: 'only the task creator may review submissions' },
        });
      }
    }
    const seenByOther = await other.call<Json>('GET', `/api/v1/agent/tasks/${task.id}`);
    expect(seenByOther.status).toBe(200);
    expect(seenByOther.body.submissions).toBeUndefined();
    const seenByCreator = await creator.call<{ submissions: Json[] }>(
      'GET',
      `/api/v1/agent/tasks/${task.id}`,
    );
    expect(seenByCreator.body.submissions).toEqual([
      expect.objectContaining({
        acceptance_id: acceptanceId,
        worker_id: worker.id,
        status: 'submitted',
        proof_text: 'Done',
        proof_url: 'https://x.com/user/status/1',
        review_deadline: expect.any(String),
      }),
    ]);
    expect(await other.call('POST', `/api/v1/agent/tasks/${task.id}/cancel`)).toMatchObject({ status: 403 });
  });

  it('pays an approval once, completes the task and sends proof_submitted and task_completed', async () => {
    const creator = await account(10, { webhookUrl: hookUrl });
    const worker = await account();
    const task = await createTask(creator, { reward_usd: 2, slots: 1 });
    const { body: acc } = await accept(worker, task.id);
    const proof = await submit(worker, task.id, {
      proof_text: 'I followed',
      proof_url: 'https://x.com/u/status/9',
    });
    expect(proof.body).toMatchObject({ status: 'submitted', acceptance_id: acc.acceptance_id });
    expect(Date.parse(String(proof.body.review_deadline)) - Date.parse(String(proof.body.submitted_at))).toBe(
      48 * 3600 * 1000,
    );

    const approved = await decide(creator, task.id, String(acc.acceptance_id), 'approve');
    expect(approved).toMatchObject({
      status: 200,
      body: { status: 'approved', decision: 'approved', reason: 'checked', payout_usd: 1.8 },
    });
    expect(await decide(creator, task.id, String(acc.acceptance_id), 'reject')).toMatchObject({
      status: 409,
      body: { error: 'submission is already approved' },
    });
    expect(await availableMicro(stack.db, worker.id)).toBe(toMicro(1.8));
    const described = await stack.client.workflow
      .getHandle(taskReviewWorkflowId(String(acc.acceptance_id)))
      .describe();
    expect(described.typedSearchAttributes.get(SA.WorkflowKind)).toBe('task-review');
    expect(described.typedSearchAttributes.get(SA.BusinessStatus)).toBe('approved');
    expect(described.typedSearchAttributes.get(SA.AccountIds)).toEqual([creator.id, worker.id]);
    const view = await creator.call<Json>('GET', `/api/v1/agent/tasks/${task.id}`);
    expect(view.body).toMatchObject({
      status: 'completed',
      slots_filled: 1,
      completed_at: expect.any(String),
    });

    const mine = (event: string) => received.find((b) => b.event === event && b.task_id === task.id);
    const deadline = Date.now() + 20_000;
    while ((!mine('proof_submitted') || !mine('task_completed')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(mine('proof_submitted')).toEqual({
      event: 'proof_submitted',
      task_id: task.id,
      acceptance_id: acc.acceptance_id,
      worker_id: worker.id,
      proof_text: 'I followed',
      proof_url: 'https://x.com/u/status/9',
      submitted_at: proof.body.submitted_at,
    });
    expect(mine('task_completed')).toEqual({
      event: 'task_completed',
      task_id: task.id,
      slots_filled: 1,
      slots_total: 1,
      completed_at: view.body.completed_at,
    });
    await assertLedgerConsistent(stack.db);
  });

  it('pays the referrer 20% of the fee for a worker referred within 12 months and nothing after', async () => {
    const referrer = await account();
    const creator = await account(20);
    const recent = await account(0, { referredBy: referrer.id });
    const thirteenMonthsAgo = new Date(Date.now() - 395 * 24 * 3600 * 1000);
    const old = await account(0, { referredBy: referrer.id, createdAt: thirteenMonthsAgo });
    const task = await createTask(creator, { reward_usd: 5, slots: 2 });
    for (const worker of [recent, old]) {
      const { body } = await accept(worker, task.id);
      await submit(worker, task.id);
      expect((await decide(creator, task.id, String(body.acceptance_id), 'approve')).status).toBe(200);
    }
    const fee = splitPayout(toMicro(5)!, stack.config.PLATFORM_FEE_BPS, 0).fee;
    expect(await availableMicro(stack.db, referrer.id)).toBe(fee / 5);
    expect(await availableMicro(stack.db, recent.id)).toBe(toMicro(5)! - fee);
    expect(await availableMicro(stack.db, old.id)).toBe(toMicro(5)! - fee);
    await assertLedgerConsistent(stack.db);
  });

  it('cancels a task refunding the slots nobody accepted and refuses a second cancel', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator, { reward_usd: 2, slots: 3 });
    expect((await accept(worker, task.id)).status).toBe(200);
    const res = await creator.call<Json>('POST', `/api/v1/agent/tasks/${task.id}/cancel`);
    expect(res).toMatchObject({ status: 200, body: { status: 'cancelled', refunded_usd: 4 } });
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(8));
    expect(await escrowOf(creator, task.id)).toBe(toMicro(2));
    expect(await creator.call('POST', `/api/v1/agent/tasks/${task.id}/cancel`)).toMatchObject({
      status: 409,
      body: { error: 'task is already cancelled' },
    });
    expect(await accept(await account(), task.id)).toMatchObject({
      status: 409,
      body: { error: 'task is cancelled' },
    });
  });

  it('answers 404 for an unknown task and 400 for a malformed id', async () => {
    const caller = await account();
    expect(await caller.call('GET', `/api/v1/agent/tasks/${randomUUID()}`)).toMatchObject({
      status: 404,
      body: { error: 'task not found' },
    });
    expect(await caller.call('GET', '/api/v1/agent/tasks/nope')).toMatchObject({
      status: 400,
      body: { error: 'task_id: must be a UUID' },
    });
  });
});
