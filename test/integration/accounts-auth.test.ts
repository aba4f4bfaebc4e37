import { randomUUID } from 'node:crypto';
import { apiClient, createTestAccount, fund } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  // Registration is limited per IP and every test comes from 127.0.0.1: raise it for this file.
  stack = await startStack({ worker: false, config: { RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000' } });
});
afterAll(async () => {
  await stack?.stop();
});

const anon = () => apiClient(stack.url);
const as = (key: string) => apiClient(stack.url, key);
const person = () => ({
  email: `p-${randomUUID()}@example.com`,
  password: 'correct horse battery',
  username: `p_${randomUUID().slice(0, 12)}`,
});

describe('accounts and authentication', () => {
  it('registers a bot with the RoboRent response shape and a working key', async () => {
    const r = await anon()('POST', '/api/v1/agent/register', { agent_name: 'MyBot' });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(
      ['agent_name', 'api_key', 'key_prefix', 'note', 'success', 'user_id'].sort(),
    );
    expect(r.body).toMatchObject({
      success: true,
      agent_name: 'MyBot',
      note: 'Use X-API-Key header for all requests.',
    });
    const key = r.body.api_key as string;
    expect(key).toMatch(/^rr_live_/);
    expect(key.startsWith(r.body.key_prefix as string)).toBe(true);
    const me = await as(key)('GET', '/api/v1/me');
    expect(me.body).toMatchObject({ id: r.body.user_id, is_bot: true, name: 'MyBot' });
  });

  it('signs a person up, issues a 1-hour bearer JWT and accepts it', async () => {
    const p = person();
    const s = await anon()('POST', '/api/v1/auth/signup', p);
    expect(s.status).toBe(201);
    const t = await anon()('POST', '/api/v1/auth/token', {
      email: p.email.toUpperCase(),
      password: p.password,
    });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    const me = await apiClient(stack.url)('GET', '/api/v1/me', undefined, {
      Authorization: `Bearer ${t.body.access_token as string}`,
    });
    expect(me.body).toMatchObject({ id: s.body.user_id, is_bot: false, username: p.username });
  });

  it('refuses a wrong password and an unknown email alike with 401', async () => {
    const p = person();
    await anon()('POST', '/api/v1/auth/signup', p);
    for (const body of [
      { email: p.email, password: 'wrong password!' },
      { email: `nobody-${randomUUID()}@example.com`, password: p.password },
    ]) {
      const r = await anon()('POST', '/api/v1/auth/token', body);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'invalid email or password', code: 'invalid_email_or_password' });
    }
  });

  it('refuses a duplicate email with 409', async () => {
    const p = person();
    expect((await anon()('POST', '/api/v1/auth/signup', p)).status).toBe(201);
    const again = await anon()('POST', '/api/v1/auth/signup', {
      ...p,
      username: `x_${randomUUID().slice(0, 8)}`,
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/email/);
  });

  it('lets a person create an owned bot with its own key; a bot cannot', async () => {
    const p = await createTestAccount(stack.db);
    const r = await as(p.apiKey)('POST', '/api/v1/agents', { agent_name: 'Helper' });
    expect(r.status).toBe(201);
    const owner = await stack.db.query('SELECT owner_id FROM accounts WHERE id = $1', [r.body.user_id]);
    expect(owner.rows[0].owner_id).toBe(p.id);
    const byBot = await as(r.body.api_key as string)('POST', '/api/v1/agents', { agent_name: 'Nested' });
    expect(byBot.status).toBe(403);
  });

  it('lists, creates, rotates and revokes keys; a revoked key is 401', async () => {
    const a = await createTestAccount(stack.db);
    const created = await as(a.apiKey)('POST', '/api/v1/keys', { name: 'ci' });
    expect(created.status).toBe(201);
    const second = created.body.api_key as string;
    const list = await as(second)('GET', '/api/v1/keys');
    expect(list.body.keys).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(second);

    const rotated = await as(a.apiKey)('POST', `/api/v1/keys/${created.body.id as string}/rotate`);
    expect(rotated.status).toBe(201);
    expect((await as(second)('GET', '/api/v1/me')).status).toBe(401);
    expect((await as(rotated.body.api_key as string)('GET', '/api/v1/me')).status).toBe(200);

    const revoked = await as(a.apiKey)('DELETE', `/api/v1/keys/${rotated.body.id as string}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    const dead = await as(rotated.body.api_key as string)('GET', '/api/v1/finance/balance');
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual({ error: 'invalid or revoked credentials', code: 'invalid_credentials' });
  });

  it('never stores a plaintext API key or password', async () => {
    const p = person();
    await anon()('POST', '/api/v1/auth/signup', p);
    const bot = await anon()('POST', '/api/v1/agent/register', { agent_name: 'SecretBot' });
    const key = bot.body.api_key as string;
    const dump = await stack.db.query<{ t: string }>(
      `SELECT (SELECT coalesce(json_agg(a), '[]')::text FROM accounts a) ||
              (SELECT coalesce(json_agg(k), '[]')::text FROM api_keys k) ||
              (SELECT coalesce(json_agg(i), '[]')::text FROM idempotency_keys i) AS t`,
    );
    expect(dump.rows[0].t).not.toContain(key);
    expect(dump.rows[0].t).not.toContain(key.slice(8));
    expect(dump.rows[0].t).not.toContain(p.password);
    const hash = await stack.db.query('SELECT password_hash FROM accounts WHERE lower(email) = $1', [
      p.email,
    ]);
    expect(hash.rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  describe('authorization matrix', () => {
    it('shows every account only its own balance, transactions and keys', async () => {
      const a = await createTestAccount(stack.db);
      const b = await createTestAccount(stack.db);
      await fund(stack.db, a.id, 7);
      const bBalance = await as(b.apiKey)('GET', '/api/v1/finance/balance');
      expect(bBalance.body.available_balance).toBe(0);
      const bTx = await as(b.apiKey)('GET', '/api/v1/finance/transactions');
      expect(bTx.body.transactions).toEqual([]);
      const aKeys = await as(a.apiKey)('GET', '/api/v1/keys');
      const aKeyId = (aKeys.body.keys as { id: string }[])[0].id;
      expect((await as(b.apiKey)('DELETE', `/api/v1/keys/${aKeyId}`)).status).toBe(404);
      expect((await as(b.apiKey)('POST', `/api/v1/keys/${aKeyId}/rotate`)).status).toBe(404);
      expect((await as(a.apiKey)('GET', '/api/v1/me')).status).toBe(200);
    });

    it('refuses admin endpoints to bots and ordinary users (403) and to anonymous callers (401)', async () => {
      const user = await createTestAccount(stack.db);
      const bot = await createTestAccount(stack.db, { kind: 'bot' });
      const body = { account_id: user.id, amount: 5, reason: 'x' };
      const headers = { 'Idempotency-Key': randomUUID() };
      expect((await as(bot.apiKey)('POST', '/api/v1/admin/adjustments', body, headers)).status).toBe(403);
      expect((await as(user.apiKey)('POST', '/api/v1/admin/adjustments', body, headers)).status).toBe(403);
      expect((await anon()('POST', '/api/v1/admin/adjustments', body, headers)).status).toBe(401);
      // An admin-role bot is still a bot.
      await stack.db.query(`UPDATE accounts SET role = 'admin' WHERE id = $1`, [bot.id]);
      expect((await as(bot.apiKey)('POST', '/api/v1/admin/adjustments', body, headers)).status).toBe(403);
      expect((await as(TEST_ADMIN_KEY)('POST', '/api/v1/admin/adjustments', body, headers)).status).toBe(201);
    });
  });
});
