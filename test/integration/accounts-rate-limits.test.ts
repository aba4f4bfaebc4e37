import { randomUUID } from 'node:crypto';
import { assertWithinSpendCap } from '../../api/spend-cap';
import { STATUS_BY_CODE } from '../../api/errors';
import type { Config } from '../../domain/config';
import { AppError } from '../../domain/errors';
import { postJournal } from '../../db/ledger';
import { apiClient, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});
const start = async (config: Partial<Record<keyof Config, string>>) => {
  const s = await startStack({ worker: false, config });
  stacks.push(s);
  return s;
};

describe('rate limits', () => {
  it('answers the 6th registration in an hour from one IP with 429 and Retry-After, across two API processes', async () => {
    // Two API instances sharing one counter namespace behave like two processes behind a balancer.
    const prefix = `rl-${randomUUID().slice(0, 8)}`;
    const [a, b] = await Promise.all([
      start({ RATE_LIMIT_KEY_PREFIX: prefix }),
      start({ RATE_LIMIT_KEY_PREFIX: prefix }),
    ]);
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? a : b;
      const r = await apiClient(target.url)('POST', '/api/v1/agent/register', { agent_name: `bot${i}` });
      expect(r.status).toBe(201);
    }
    const before = await a.db.query('SELECT count(*)::int AS n FROM accounts');
    const sixth = await apiClient(b.url)('POST', '/api/v1/auth/signup', {
      email: `six-${randomUUID()}@example.com`,
      password: 'long enough pw',
      username: `six_${randomUUID().slice(0, 8)}`,
    });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(sixth.body.error).toMatch(/registrations per hour/);
    const after = await a.db.query('SELECT count(*)::int AS n FROM accounts');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('limits /v1/* and the Rentr routes per IP with Retry-After', async () => {
    const s = await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    const call = apiClient(s.url);
    const statuses = [];
    for (const path of ['/v1/status', '/v1/chat', '/api/v1/status', '/v1/status'])
      statuses.push(await call('GET', path));
    expect(statuses.slice(0, 3).map((r) => r.status)).not.toContain(429);
    expect(statuses[3].status).toBe(429);
    expect(Number(statuses[3].headers.get('retry-after'))).toBeGreaterThan(0);
    // Other routes are not under the per-IP limit.
    expect((await call('GET', '/api/agents')).status).toBe(200);
  });

  it('enforces the per-key limit of api_keys.rate_limit_per_minute on authenticated routes', async () => {
    const s = await start({});
    const a = await createTestAccount(s.db);
    await s.db.query('UPDATE api_keys SET rate_limit_per_minute = 3 WHERE account_id = $1', [a.id]);
    const call = apiClient(s.url, a.apiKey);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/api/v1/finance/balance')).status).toBe(200);
    const limited = await call('GET', '/api/v1/keys');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another account's key has its own budget.
    const b = await createTestAccount(s.db);
    expect((await apiClient(s.url, b.apiKey)('GET', '/api/v1/finance/balance')).status).toBe(200);
  });
});

describe('spend cap', () => {
  it('refuses spending past max_hourly_spend_usd with 429 and Retry-After: 3600', async () => {
    const s = stacks[0] ?? (await start({}));
    const a = await createFundedAccount(s.db, 100);
    const set = await apiClient(s.url, a.apiKey)('PATCH', '/api/v1/account/settings', {
      max_hourly_spend_usd: 10,
    });
    expect(set.body).toEqual({ settings: { max_hourly_spend_usd: 10 } });
    // 8 USDT spent in a spending kind (as a rental hold would), then a 3 USDT spend is over the cap.
    await assertWithinSpendCap(s.db, a.id, 8_000_000);
    await postJournal(s.db, {
      idempotencyKey: `spend:${randomUUID()}`,
      kind: 'rental_hold',
      lines: [
        { account: { ownerId: a.id, purpose: 'available' }, amount: -8_000_000 },
        {
          account: { ownerId: a.id, purpose: 'escrow', subject: `rental:${randomUUID()}` },
          amount: 8_000_000,
        },
      ],
    });
    await expect(assertWithinSpendCap(s.db, a.id, 2_000_000)).resolves.toBeUndefined();
    const refused = await assertWithinSpendCap(s.db, a.id, 3_000_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(STATUS_BY_CODE[(refused as AppError).code]).toBe(429);
    expect((refused as AppError).headers).toEqual({ 'Retry-After': '3600' });
    // Removing the cap lifts it.
    await apiClient(s.url, a.apiKey)('PATCH', '/api/v1/account/settings', { max_hourly_spend_usd: null });
    await expect(assertWithinSpendCap(s.db, a.id, 50_000_000)).resolves.toBeUndefined();
  });
});
