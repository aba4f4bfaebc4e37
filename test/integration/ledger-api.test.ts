import { randomUUID } from 'node:crypto';
import { postJournal } from '../../db/ledger';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  fund,
} from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const admin = () => apiClient(stack.url, TEST_ADMIN_KEY);
const adjust = (body: unknown, key: string = randomUUID()) =>
  admin()('POST', '/api/v1/admin/adjustments', body, { 'Idempotency-Key': key });

describe('admin adjustments', () => {
  it('credits and debits an account, audited with operator and reason', async () => {
    const a = await createTestAccount(stack.db);
    const credit = await adjust({ account_id: a.id, amount: 25.5, reason: 'welcome bonus' });
    expect(credit.status).toBe(201);
    expect(credit.body).toMatchObject({ amount: 25.5, balance: { available_balance: 25.5 } });
    const debit = await adjust({ account_id: a.id, amount: -0.000001, reason: 'correction' });
    expect(debit.status).toBe(201);
    expect(await availableMicro(stack.db, a.id)).toBe(25_499_999);
    const memo = await stack.db.query(`SELECT memo FROM ledger_journals WHERE id = $1`, [
      debit.body.journal_id,
    ]);
    expect(memo.rows[0].memo).toMatchObject({
      reason: 'correction',
      operator_id: '00000000-0000-4000-8000-000000000001',
    });
    await assertLedgerConsistent(stack.db);
  });

  it('replays the original response for the same Idempotency-Key and posts once', async () => {
    const a = await createTestAccount(stack.db);
    const key = randomUUID();
    const body = { account_id: a.id, amount: 3, reason: 'once' };
    const [first, second] = await Promise.all([adjust(body, key), adjust(body, key)]);
    const statuses = [first.status, second.status].sort();
    // Either both finished (201 + replayed 201) or one saw the other in flight (409).
    expect(statuses[0]).toBe(201);
    expect([201, 409]).toContain(statuses[1]);
    const third = await adjust(body, key);
    expect(third.status).toBe(201);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(await availableMicro(stack.db, a.id)).toBe(3_000_000);
    expect((await adjust({ ...body, amount: 4 }, key)).status).toBe(422);
  });

  it('refuses a key whose record was purged when it comes back with different parameters (422), posting nothing', async () => {
    const a = await createTestAccount(stack.db);
    const key = randomUUID();
    expect((await adjust({ account_id: a.id, amount: 5, reason: 'first' }, key)).status).toBe(201);
    await stack.db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [key]); // as the daily purge does
    const changed = await adjust({ account_id: a.id, amount: 7, reason: 'second' }, key);
    expect(changed.status).toBe(422);
    expect(await availableMicro(stack.db, a.id)).toBe(5_000_000);
    await stack.db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [key]);
    const same = await adjust({ account_id: a.id, amount: 5, reason: 'first' }, key);
    expect(same.status).toBe(201);
    expect(await availableMicro(stack.db, a.id)).toBe(5_000_000);
  });

  it('refuses a credit that would take the balance beyond 1,000,000,000 USDT (400) and changes nothing', async () => {
    const a = await createFundedAccount(stack.db, 999_999_999);
    const r = await adjust({ account_id: a.id, amount: 1.000001, reason: 'too much' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      error: expect.stringMatching(/^amount: the balance would exceed/),
      code: 'validation',
    });
    expect(await availableMicro(stack.db, a.id)).toBe(999_999_999_000_000);
  });

  it('refuses a debit beyond the balance with 402 and changes nothing', async () => {
    const a = await createFundedAccount(stack.db, 2);
    const r = await adjust({ account_id: a.id, amount: -2.000001, reason: 'too much' });
    expect(r.status).toBe(402);
    expect(r.body).toEqual({ error: 'insufficient balance', code: 'insufficient_balance' });
    expect(await availableMicro(stack.db, a.id)).toBe(2_000_000);
  });

  it('answers 404 for an unknown account and 400 without Idempotency-Key', async () => {
    const unknown = await adjust({ account_id: randomUUID(), amount: 1, reason: 'x' });
    expect(unknown.status).toBe(404);
    const a = await createTestAccount(stack.db);
    const noKey = await admin()('POST', '/api/v1/admin/adjustments', {
      account_id: a.id,
      amount: 1,
      reason: 'x',
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error).toMatch(/Idempotency-Key/);
  });
});

describe('wallet', () => {
  it('reports available, held (held + escrow) and total balances, at both paths', async () => {
    const a = await createFundedAccount(stack.db, 50, { kind: 'bot' });
    await postJournal(stack.db, {
      idempotencyKey: `hold:${randomUUID()}`,
      kind: 'task_escrow',
      lines: [
        { account: { ownerId: a.id, purpose: 'available' }, amount: -10_000_000 },
        {
          account: { ownerId: a.id, purpose: 'escrow', subject: `task:${randomUUID()}` },
          amount: 10_000_000,
        },
      ],
    });
    await postJournal(stack.db, {
      idempotencyKey: `wd:${randomUUID()}`,
      kind: 'withdrawal_hold',
      lines: [
        { account: { ownerId: a.id, purpose: 'available' }, amount: -20_500_000 },
        {
          account: { ownerId: a.id, purpose: 'held', subject: `withdrawal:${randomUUID()}` },
          amount: 20_500_000,
        },
      ],
    });
    const expected = { available_balance: 19.5, held_balance: 30.5, total_balance: 50, currency: 'USDT' };
    expect((await apiClient(stack.url, a.apiKey)('GET', '/api/v1/finance/balance')).body).toEqual(expected);
    expect((await apiClient(stack.url, a.apiKey)('GET', '/api/v1/agent/balance')).body).toEqual(expected);
  });

  it('pages transactions newest first with a cursor, each with type, signed amount, reference and time', async () => {
    const a = await createTestAccount(stack.db);
    for (let i = 1; i <= 5; i++) await fund(stack.db, a.id, i);
    await postJournal(stack.db, {
      idempotencyKey: `spend:${randomUUID()}`,
      kind: 'rental_hold',
      reference: 'rental:r1',
      lines: [
        { account: { ownerId: a.id, purpose: 'available' }, amount: -1_500_000 },
        { account: { ownerId: a.id, purpose: 'escrow', subject: 'rental:r1' }, amount: 1_500_000 },
      ],
    });
    const call = apiClient(stack.url, a.apiKey);
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { transactions: Record<string, unknown>[]; next_cursor: string | null };
      } = await call('GET', `/api/v1/finance/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.transactions.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.transactions);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(seen[0]).toMatchObject({
      type: 'rental_hold',
      amount: -1.5,
      held_amount: 1.5,
      reference: 'rental:r1',
    });
    expect(seen.slice(1).map((t) => t.amount)).toEqual([5, 4, 3, 2, 1]);
    expect(new Set(seen.map((t) => t.id)).size).toBe(6);
    expect(seen.every((t) => typeof t.created_at === 'string')).toBe(true);
  });
});
