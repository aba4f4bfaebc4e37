/**
 * Tasks that expire (issue 17.4) through the real API, worker, Postgres and Temporal dev server:
 * a short expires_at (TASK_MIN_TTL_SECONDS, a test-only minimum) and a short proof deadline, then
 * the creator's balance comes back to the micro-USDT and the task reads `expired`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { apiClient, assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';
import { taskWorkflowId } from '../../workflows/task/contract';

type Json = Record<string, unknown>;

describe('tasks that expire', () => {
  let stack: Stack;
  let receiver: http.Server;
  let hookUrl: string;
  const received: Json[] = [];

  beforeAll(async () => {
    stack = await startStack({ config: { TASK_MIN_TTL_SECONDS: '1', TASK_ACCEPT_DEADLINE_SECONDS: '5' } });
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

  async function account(usdt = 0, webhookUrl?: string) {
    const a = await createFundedAccount(stack.db, usdt, {
      kind: 'bot',
      ...(webhookUrl ? { webhookUrl } : {}),
    });
    return { ...a, call: apiClient(stack.url, a.apiKey) };
  }
  const taskBody = (over: Json = {}) => ({
    title: 'Follow @agentrent',
    description: 'Follow the account and reply with a link to your profile',
    category: 'social',
    reward_usd: 1.5,
    slots: 3,
    ...over,
  });
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

  /** Polls until `check` holds (the timers run on the real clock). */
  async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 30_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (check(v) || Date.now() > until) return v;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('when expires_at passes, then the open slots are refunded, the task is expired, and a released slot is refunded too', async () => {
    const creator = await account(10);
    const worker = await account(0);
    const before = await availableMicro(stack.db, creator.id);
    const created = await creator.call<Json & { id: string }>('POST', '/api/v1/agent/tasks', {
      ...taskBody(),
      expires_at: inSeconds(3),
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id;
    expect(Date.parse(created.body.expires_at as string)).toBeGreaterThan(Date.now());
    const accepted = await worker.call<Json>('POST', `/api/v1/agent/tasks/${taskId}/accept`, undefined, {
      'Idempotency-Key': randomUUID(),
    });
    expect(accepted.status).toBe(200);

    const expired = await eventually(
      () => creator.call<Json>('GET', `/api/v1/agent/tasks/${taskId}`),
      (r) => r.body.status === 'expired',
    );
    expect(expired.body).toMatchObject({ status: 'expired', slots_available: 0 });
    expect(expired.body.expired_at).toEqual(expect.any(String));
    // The two open slots came back at once; the accepted one's escrow waits for its end.
    expect(await availableMicro(stack.db, creator.id)).toBe(before - toMicro(1.5)!);
    const refund = await stack.db.query<{ amount: number }>(
      `SELECT e.amount FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
        WHERE j.idempotency_key = $1 AND e.amount > 0`,
      [`task-expiry-refund:${taskId}`],
    );
    expect(refund.rows.map((r) => r.amount)).toEqual([toMicro(3)]);

    // No proof by submit_by: the slot is released and, the task being expired, refunded.
    await eventually(
      () => availableMicro(stack.db, creator.id),
      (v) => v === before,
    );
    expect(await availableMicro(stack.db, creator.id)).toBe(before);
    expect(
      await balanceOf(stack.db, { ownerId: creator.id, purpose: 'escrow', subject: `task:${taskId}` }),
    ).toBe(0);
    expect(await availableMicro(stack.db, worker.id)).toBe(0);
    const after = await creator.call<Json>('GET', `/api/v1/agent/tasks/${taskId}`);
    expect(after.body).toMatchObject({ status: 'expired', slots_available: 0 });
    expect((after.body.submissions as Json[]).map((s) => s.status)).toEqual(['expired']);
    await assertLedgerConsistent(stack.db);
    // The task's owner closes once its escrow is empty.
    expect(await stack.client.workflow.getHandle(taskWorkflowId(taskId)).result()).toMatchObject({
      status: 'closed',
      expiryRefunded: toMicro(3),
    });
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, taskWorkflowId(taskId), 'task-expired-released-slot');
  });

  it('when a task expires, then the creator’s webhook gets task_expired once with the refund', async () => {
    const creator = await account(10, hookUrl);
    const created = await creator.call<Json & { id: string }>('POST', '/api/v1/agent/tasks', {
      ...taskBody({ slots: 2 }),
      expires_at: inSeconds(2),
    });
    expect(created.status).toBe(201);
    const mine = () => received.filter((b) => b.event === 'task_expired' && b.task_id === created.body.id);
    await eventually(
      async () => mine().length,
      (n) => n > 0,
    );
    expect(mine()).toEqual([
      {
        event: 'task_expired',
        task_id: created.body.id,
        slots_filled: 0,
        slots_total: 2,
        refunded_usd: 3,
        expires_at: created.body.expires_at,
        expired_at: expect.any(String),
      },
    ]);
  });

  it('when the creator cancels before expires_at, then the expiry refunds nothing more', async () => {
    const creator = await account(10);
    const before = await availableMicro(stack.db, creator.id);
    const created = await creator.call<Json & { id: string }>('POST', '/api/v1/agent/tasks', {
      ...taskBody(),
      expires_at: inSeconds(2),
    });
    const cancelled = await creator.call<Json>('POST', `/api/v1/agent/tasks/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(await availableMicro(stack.db, creator.id)).toBe(before);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await creator.call<Json>('GET', `/api/v1/agent/tasks/${created.body.id}`)).body.status).toBe(
      'cancelled',
    );
    expect(await availableMicro(stack.db, creator.id)).toBe(before);
    await assertLedgerConsistent(stack.db);
  });

  it('when expires_at is omitted, then the task expires after the default TTL', async () => {
    const creator = await account(10);
    const created = await creator.call<Json>('POST', '/api/v1/agent/tasks', taskBody());
    expect(created.status).toBe(201);
    const ttl = Date.parse(created.body.expires_at as string) - Date.parse(created.body.created_at as string);
    expect(Math.abs(ttl - stack.config.TASK_DEFAULT_TTL_HOURS * 3_600_000)).toBeLessThan(60_000);
  });

  it.each([
    ['in the past', () => inSeconds(-60), 'task_expires_at_past'],
    ['beyond TASK_MAX_TTL_DAYS', () => inSeconds(91 * 86_400), 'task_expires_at_too_late'],
    ['not a timestamp', () => 'tomorrow', 'validation'],
  ])('when expires_at is %s, then it is a 400 naming the field and nothing is held', async (_, at, code) => {
    const creator = await account(10);
    const res = await creator.call<Json>('POST', '/api/v1/agent/tasks', { ...taskBody(), expires_at: at() });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code, error: expect.stringContaining('expires_at') });
    expect(await availableMicro(stack.db, creator.id)).toBe(toMicro(10));
  });
});
