/**
 * Sign-in limits that cannot lock the owner out (issue 24, item 4), over real HTTP: failures (not
 * attempts) are counted per (email, IP), per IP and — a softer ceiling — per email; the console's
 * key login has a budget of its own; failed API keys and admin keys on ordinary routes are counted
 * per IP (429 + Retry-After); an operator lifts a lock-out from the console, audited. The counters
 * live in Postgres, so they hold across API processes. Addresses are told apart by
 * X-Forwarded-For with TRUST_PROXY=1 (as behind one reverse proxy).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../domain/config';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});
const start = async (config: Partial<Record<keyof Config, string>> = {}) => {
  const s = await startStack({
    worker: false,
    config: {
      TRUST_PROXY: '1',
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000',
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      ...config,
    },
  });
  stacks.push(s);
  return s;
};

const PASSWORD = 'the owner’s right password';
const from = (ip: string) => ({ 'X-Forwarded-For': ip });
const retryAfterOf = (r: { headers: Headers }) => Number(r.headers.get('retry-after'));

async function signUp(s: Stack, ip = '192.0.2.200'): Promise<string> {
  const email = `owner-${randomUUID()}@example.com`;
  const r = await apiClient(s.url)(
    'POST',
    '/api/v1/auth/signup',
    { email, password: PASSWORD, username: `o_${randomUUID().slice(0, 8)}` },
    from(ip),
  );
  expect(r.status).toBe(201);
  return email;
}

const signIn = (s: Stack, email: string, password: string, ip: string) =>
  apiClient(s.url)('POST', '/api/v1/auth/token', { email, password }, from(ip));

const consoleKeyLogin = (s: Stack, key: string, ip: string) =>
  apiClient(s.url)('POST', '/api/v1/admin/session', { key }, from(ip));

/** An API key of the right shape that names no account. */
const randomApiKey = () => `rr_live_${randomBytes(24).toString('base64url')}`;

describe('password sign-ins count failures, per (email, IP), per IP and per email', () => {
  it('lets the owner sign in from a fresh address after 12 wrong passwords from other addresses', async () => {
    const s = await start();
    const email = await signUp(s);
    for (let i = 0; i < 12; i++)
      expect((await signIn(s, email, `wrong ${i}`, `198.51.100.${i + 1}`)).status).toBe(401);

    const owner = await signIn(s, email, PASSWORD, '203.0.113.7');

    expect(owner.status).toBe(200);
    expect(owner.body).toHaveProperty('access_token');
  });

  it('refuses the 11th wrong password for one email from one address, with Retry-After', async () => {
    const s = await start();
    const email = await signUp(s);
    for (let i = 0; i < 10; i++)
      expect((await signIn(s, email, `wrong ${i}`, '198.51.100.9')).status).toBe(401);

    const limited = await signIn(s, email, 'wrong 10', '198.51.100.9');

    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: expect.stringMatching(/10 failed sign-ins per 900 s per account from one IP/),
      code: 'rate_limited',
    });
    expect(retryAfterOf(limited)).toBeGreaterThan(800);
  });

  it('still stops a spread-out guess at the per-email ceiling, whatever the address', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '6', RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: '2' });
    const email = await signUp(s);
    for (let i = 0; i < 6; i++)
      expect((await signIn(s, email, `wrong ${i}`, `198.51.100.${i + 1}`)).status).toBe(401);

    const limited = await signIn(s, email, 'wrong 6', '203.0.113.8');

    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/6 failed sign-ins per 900 s per account from all addresses/);
  });

  it('charges nothing for an attempt it refused: a locked-out address does not eat the per-email ceiling', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '5', RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: '2' });
    const email = await signUp(s);
    for (let i = 0; i < 2; i++)
      expect((await signIn(s, email, `wrong ${i}`, '198.51.100.1')).status).toBe(401);
    for (let i = 0; i < 10; i++)
      expect((await signIn(s, email, `more ${i}`, '198.51.100.1')).status).toBe(429);

    // 2 failures counted, not 12: the owner still gets in from elsewhere.
    expect((await signIn(s, email, PASSWORD, '203.0.113.9')).status).toBe(200);
  });
});

describe('the console key login has its own budget', () => {
  it('lets the admin key log in to the console from an address whose password sign-ins are locked out', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    for (let i = 0; i < 3; i++)
      expect(
        (await signIn(s, `spray-${i}-${randomUUID()}@example.com`, 'wrong', '198.51.100.20')).status,
      ).toBe(401);
    expect((await signIn(s, `spray-x-${randomUUID()}@example.com`, 'wrong', '198.51.100.20')).status).toBe(
      429,
    );

    const login = await consoleKeyLogin(s, TEST_ADMIN_KEY, '198.51.100.20');

    expect(login.status).toBe(200);
  });

  it('keeps password sign-ins open from an address that guessed console keys', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    const email = await signUp(s);
    for (let i = 0; i < 3; i++)
      expect((await consoleKeyLogin(s, `wrong-key-${i}-0123456789abcdef`, '198.51.100.21')).status).toBe(401);

    expect((await signIn(s, email, PASSWORD, '198.51.100.21')).status).toBe(200);
  });

  it('answers console key guesses past their budget with 429 and Retry-After', async () => {
    const s = await start({ RATE_LIMIT_CONSOLE_KEY_PER_IP: '3' });
    for (let i = 0; i < 3; i++)
      expect((await consoleKeyLogin(s, `wrong-key-${i}-0123456789abcdef`, '198.51.100.22')).status).toBe(401);

    const limited = await consoleKeyLogin(s, 'wrong-key-3-0123456789abcdef', '198.51.100.22');

    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/3 failed console key logins per 900 s per IP/);
    expect(retryAfterOf(limited)).toBeGreaterThan(0);
  });
});

describe('failed API keys and admin keys on ordinary routes', () => {
  it('answers 429 with Retry-After before the 80th of 80 random API keys from one address', async () => {
    const s = await start();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<ReturnType<typeof apiClient>>> | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await apiClient(s.url, randomApiKey())('GET', '/api/v1/me', undefined, from('198.51.100.30'));
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }

    expect(statuses.length).toBeLessThan(80);
    expect(statuses.slice(0, -1).every((x) => x === 401)).toBe(true);
    expect(limited?.body).toEqual({
      error: expect.stringMatching(/30 failed API keys or tokens per 900 s per IP/),
      code: 'rate_limited',
    });
    expect(retryAfterOf(limited!)).toBeGreaterThan(800);
  });

  it('counts wrong admin keys and forged tokens against the same budget', async () => {
    const s = await start({ RATE_LIMIT_BAD_CREDENTIALS_PER_IP: '4' });
    const ip = '198.51.100.31';
    const admin = (key: string) =>
      apiClient(s.url, key)('GET', '/api/v1/admin/withdrawals', undefined, from(ip));
    expect((await admin('not-the-admin-key-0123456789')).status).toBe(401);
    expect((await admin('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).status).toBe(401);
    expect((await admin(randomApiKey())).status).toBe(401);
    expect((await admin('another-wrong-admin-key-0123')).status).toBe(401);

    expect((await admin('yet-another-wrong-admin-key')).status).toBe(429);
  });

  it('refuses even a valid key from an address past its budget, and not from another address', async () => {
    const s = await start({ RATE_LIMIT_BAD_CREDENTIALS_PER_IP: '3' });
    const account = await createTestAccount(s.db);
    for (let i = 0; i < 3; i++)
      expect(
        (await apiClient(s.url, randomApiKey())('GET', '/api/v1/me', undefined, from('198.51.100.32')))
          .status,
      ).toBe(401);

    const me = apiClient(s.url, account.apiKey);
    expect((await me('GET', '/api/v1/me', undefined, from('198.51.100.32'))).status).toBe(429);
    expect((await me('GET', '/api/v1/me', undefined, from('203.0.113.32'))).status).toBe(200);
  });

  it('never charges a valid key', async () => {
    const s = await start({ RATE_LIMIT_BAD_CREDENTIALS_PER_IP: '2' });
    const account = await createTestAccount(s.db);
    const me = apiClient(s.url, account.apiKey);
    for (let i = 0; i < 5; i++)
      expect((await me('GET', '/api/v1/me', undefined, from('198.51.100.33'))).status).toBe(200);

    expect(
      (await apiClient(s.url, randomApiKey())('GET', '/api/v1/me', undefined, from('198.51.100.33'))).status,
    ).toBe(401);
  });

  it('shares the failed-key budget between two API processes', async () => {
    const prefix = `rl-${randomUUID().slice(0, 8)}`;
    const config = { RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_BAD_CREDENTIALS_PER_IP: '4' };
    const [a, b] = await Promise.all([start(config), start(config)]);
    for (let i = 0; i < 4; i++)
      expect(
        (
          await apiClient((i % 2 ? a : b).url, randomApiKey())(
            'GET',
            '/api/v1/me',
            undefined,
            from('198.51.100.34'),
          )
        ).status,
      ).toBe(401);

    expect(
      (await apiClient(a.url, randomApiKey())('GET', '/api/v1/me', undefined, from('198.51.100.34'))).status,
    ).toBe(429);
    expect(
      (await apiClient(b.url, randomApiKey())('GET', '/api/v1/me', undefined, from('198.51.100.34'))).status,
    ).toBe(429);
  });
});

describe('an operator lifts a lock-out from the console', () => {
  const admin = (s: Stack) => apiClient(s.url, TEST_ADMIN_KEY);
  const lift = (s: Stack, body: unknown) =>
    admin(s)('POST', '/api/v1/admin/lockouts/lift', body, from('192.0.2.1'));

  it('lifts the lock-out of an email, so its owner signs in again from the locked address, and audits who and why', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: '2' });
    const email = await signUp(s);
    for (let i = 0; i < 2; i++)
      expect((await signIn(s, email, `wrong ${i}`, '198.51.100.40')).status).toBe(401);
    expect((await signIn(s, email, PASSWORD, '198.51.100.40')).status).toBe(429);

    const lifted = await lift(s, { email: email.toUpperCase(), reason: 'owner called support' });

    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ email, ip: null, counters_cleared: 2 });
    expect((await signIn(s, email, PASSWORD, '198.51.100.40')).status).toBe(200);
    const audit = await admin(s)<{ audit: Record<string, unknown>[] }>('GET', '/api/v1/admin/audit?limit=5');
    expect(audit.body.audit[0]).toMatchObject({
      action: 'lockout.lift',
      subject_id: `email:${email}`,
      reason: 'owner called support',
      actor: 'admin key',
      outcome: 'applied',
      outcome_detail: '2 counters cleared',
    });
  });

  it('lifts the lock-out of an address: its failed API keys and sign-ins no longer count', async () => {
    const s = await start({ RATE_LIMIT_BAD_CREDENTIALS_PER_IP: '2', RATE_LIMIT_LOGIN_PER_IP: '2' });
    const account = await createTestAccount(s.db);
    const ip = '198.51.100.41';
    for (let i = 0; i < 2; i++) {
      expect((await apiClient(s.url, randomApiKey())('GET', '/api/v1/me', undefined, from(ip))).status).toBe(
        401,
      );
      expect((await signIn(s, `x-${i}-${randomUUID()}@example.com`, 'wrong', ip)).status).toBe(401);
    }
    expect((await apiClient(s.url, account.apiKey)('GET', '/api/v1/me', undefined, from(ip))).status).toBe(
      429,
    );

    const lifted = await lift(s, { ip, reason: 'office NAT, one broken script' });

    expect(lifted.body).toMatchObject({ ip, counters_cleared: 4 });
    expect((await apiClient(s.url, account.apiKey)('GET', '/api/v1/me', undefined, from(ip))).status).toBe(
      200,
    );
    expect((await signIn(s, `y-${randomUUID()}@example.com`, 'wrong', ip)).status).toBe(401);
  });

  it('refuses a lift by a key that is not an operator’s with 403', async () => {
    const s = await start();
    const user = await createTestAccount(s.db);

    const r = await apiClient(s.url, user.apiKey)('POST', '/api/v1/admin/lockouts/lift', {
      ip: '198.51.100.1',
      reason: 'me',
    });

    expect(r.status).toBe(403);
  });

  describe('bad input', () => {
    let s: Stack;
    beforeAll(async () => {
      s = await start();
    });

    it.each([
      ['neither email nor ip', { reason: 'x' }],
      ['no reason', { ip: '198.51.100.1' }],
      ['an ip that is no address', { ip: 'not-an-ip', reason: 'x' }],
      ['a NUL in the email', { email: 'a\u0000@example.com', reason: 'x' }],
      ['an overlong email', { email: `${'a'.repeat(300)}@example.com`, reason: 'x' }],
      ['an overlong reason', { ip: '198.51.100.1', reason: 'r'.repeat(501) }],
      ['a number for the ip', { ip: 19851100, reason: 'x' }],
      ['a body that is not JSON', 'lift'],
    ])('answers %s with 400 and a code, and records nothing', async (_what, body) => {
      const before = await s.db.query('SELECT count(*)::int AS n FROM admin_audit');

      const r = await lift(s, body);

      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: expect.any(String), code: expect.any(String) });
      const after = await s.db.query('SELECT count(*)::int AS n FROM admin_audit');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });
  });
});
