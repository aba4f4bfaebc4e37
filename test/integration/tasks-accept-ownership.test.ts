/**
 * Who owns a task slot while it is being accepted: the acceptance's `task-review-<id>` workflow,
 * from its first step. Real API, worker, Postgres and Temporal dev server; an accept whose API
 * process died right after its workflow start reached Temporal (and which nobody asks again) still
 * takes its slot, and the slot is then paid or released as usual.
 */
import type { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import type { Principal } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { acceptTask } from '../../api/use-cases/tasks';
import type { Workflow } from '@temporalio/common';
import { taskReviewWorkflowId } from '../../workflows/task/contract';
import { apiClient, assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;

describe('task acceptance ownership', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function account(usdt = 0) {
    const a = await createFundedAccount(stack.db, usdt, { kind: 'bot' });
    const principal: Principal = { accountId: a.id, role: 'user', isBot: true, via: 'api_key' };
    return { ...a, principal, call: apiClient(stack.url, a.apiKey) };
  }
  type Caller = Awaited<ReturnType<typeof account>>;

  const createTask = async (creator: Caller, over: Json = {}) => {
    const res = await creator.call<Json & { id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Follow @agentrent',
      description: 'Follow the account and reply with a link to your profile',
      category: 'social',
      reward_usd: 2,
      slots: 1,
      ...over,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const accept = (worker: Caller, taskId: string, key: string) =>
    worker.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/accept`, undefined, { 'Idempotency-Key': key });
  const submit = (worker: Caller, taskId: string) =>
    worker.call<Json>(
      'POST',
      `/api/v1/agent/tasks/${taskId}/submit`,
      { proof_text: 'Done' },
      { 'Idempotency-Key': randomUUID() },
    );
  const decide = (creator: Caller, taskId: string, acceptanceId: string, decision: 'approve' | 'reject') =>
    creator.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/submissions/${acceptanceId}/${decision}`, {
      reason: 'checked',
    });
  const acceptancesOf = async (taskId: string) =>
    (
      await stack.db.query<{ id: string; worker_id: string; status: string }>(
        'SELECT id, worker_id, status FROM task_acceptances WHERE task_id = $1',
        [taskId],
      )
    ).rows;
  const deps = (): ApiDeps => ({ config: stack.config, db: stack.db, temporal: stack.client }) as ApiDeps;

  /** Polls until `check` holds: nothing asks the workflow anything meanwhile. */
  async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 30_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (check(v) || Date.now() > until) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * An accept whose API process dies right after its workflow start reached Temporal: the start
   * goes through, the process never learns the answer, and the client never retries.
   */
  async function acceptDyingAfterStart(worker: Caller, taskId: string, key: string): Promise<void> {
    const startOnly = async (type: string | Workflow, options: object): Promise<never> => {
      await stack.client.workflow.start(type, options as Parameters<Client['workflow']['start']>[1]);
      throw new Error('SIGKILL');
    };
    const dying = {
      workflow: {
        start: startOnly,
        executeUpdateWithStart: (
          _update: unknown,
          o: { startWorkflowOperation: WithStartWorkflowOperation<Workflow> },
        ) => startOnly(o.startWorkflowOperation.workflowTypeOrFunc, o.startWorkflowOperation.options),
      },
    } as unknown as Client;
    await expect(
      acceptTask({ ...deps(), temporal: dying }, worker.principal, { task_id: taskId, idempotency_key: key }),
    ).rejects.toThrow('SIGKILL');
  }

  it('when the API dies right after starting the acceptance, then its workflow takes the slot and the worker is paid as usual', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator);
    await acceptDyingAfterStart(worker, task.id, 'accept-died-1');

    const rows = await eventually(
      () => acceptancesOf(task.id),
      (r) => r.length > 0,
    );
    expect(rows).toEqual([{ id: expect.any(String), worker_id: worker.id, status: 'accepted' }]);
    expect(await submit(worker, task.id)).toMatchObject({ status: 200, body: { status: 'submitted' } });
    expect(await decide(creator, task.id, rows[0].id, 'approve')).toMatchObject({
      status: 200,
      body: { status: 'approved', payout_usd: 1.8 },
    });
    expect(await availableMicro(stack.db, worker.id)).toBe(toMicro(1.8));
    const escrow = { ownerId: creator.id, purpose: 'escrow' as const, subject: `task:${task.id}` };
    expect(
      await eventually(
        () => balanceOf(stack.db, escrow),
        (b) => b === 0,
      ),
    ).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('when the API dies right after starting the acceptance, then its workflow holds the slot until the proof is rejected, and releases it', async () => {
    const creator = await account(10);
    const worker = await account();
    const other = await account();
    const task = await createTask(creator);
    await acceptDyingAfterStart(worker, task.id, 'accept-died-2');
    const [row] = await eventually(
      () => acceptancesOf(task.id),
      (r) => r.length > 0,
    );
    expect(await accept(other, task.id, randomUUID())).toMatchObject({
      status: 409,
      body: { error: 'no free slots left on this task' },
    });
    expect(await submit(worker, task.id)).toMatchObject({ status: 200 });
    expect(await decide(creator, task.id, row.id, 'reject')).toMatchObject({ status: 200 });
    expect(await accept(other, task.id, randomUUID())).toMatchObject({ status: 200 });
  });

  it('when the API died right after starting the acceptance, then a keyed retry answers that acceptance and writes no second row', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator, { slots: 2 });
    await acceptDyingAfterStart(worker, task.id, 'accept-died-3');
    const retried = await accept(worker, task.id, 'accept-died-3');
    expect(retried).toMatchObject({ status: 200, body: { task_id: task.id, status: 'accepted' } });
    expect(await acceptancesOf(task.id)).toEqual([
      { id: retried.body.acceptance_id, worker_id: worker.id, status: 'accepted' },
    ]);
  });

  it('when a keyed accept is retried after its acceptance ended, then it answers the original acceptance', async () => {
    const creator = await account(10);
    const worker = await account();
    const task = await createTask(creator, { slots: 2 });
    const input = { task_id: task.id, idempotency_key: 'accept-ended-1' };
    const first = await acceptTask(deps(), worker.principal, input);
    await submit(worker, task.id);
    await decide(creator, task.id, first.acceptance_id, 'reject');
    await stack.client.workflow.getHandle(taskReviewWorkflowId(first.acceptance_id)).result();

    expect(await acceptTask(deps(), worker.principal, input)).toEqual(first);
    expect(await acceptancesOf(task.id)).toEqual([
      { id: first.acceptance_id, worker_id: worker.id, status: 'rejected' },
    ]);
  });

  it('when a keyed accept was refused for want of a slot, then its retry is checked afresh and takes a slot freed since', async () => {
    const creator = await account(10);
    const [first, second] = [await account(), await account()];
    const task = await createTask(creator);
    const taken = await accept(first, task.id, randomUUID());
    expect(taken.status).toBe(200);
    expect(await accept(second, task.id, 'accept-refused-1')).toMatchObject({
      status: 409,
      body: { error: 'no free slots left on this task' },
    });
    await submit(first, task.id);
    await decide(creator, task.id, String(taken.body.acceptance_id), 'reject');

    const retried = await accept(second, task.id, 'accept-refused-1');
    expect(retried).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect((await acceptancesOf(task.id)).filter((a) => a.worker_id === second.id)).toEqual([
      { id: retried.body.acceptance_id, worker_id: second.id, status: 'accepted' },
    ]);
  });
});
