/**
 * Guessing is expensive: failed sign-ins are limited per account (from one IP, and from all
 * addresses under a softer ceiling) and per IP, failed rental-code
 * lookups per IP (IPv6 by /64), all counted in Postgres so every API process shares them, and
 * X-Forwarded-For cannot make a client look like many unless TRUST_PROXY says so.
 */
import { randomUUID } from 'node:crypto';
import { limitRentalCodeLookup } from '../../api/rate-limit';
import type { Config } from '../../domain/config';
import { AppError, ErrorCode } from '../../domain/errors';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});
const start = async (config: Partial<Record<keyof Config, string>> = {}) => {
  const s = await startStack({
    worker: false,
    config: { RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000', RATE_LIMIT_PER_IP_PER_MINUTE: '100000', ...config },
  });
  stacks.push(s);
  return s;
};

const PASSWORD = 'the right password';

async function signUp(s: Stack): Promise<string> {
  const email = `guess-${randomUUID()}@example.com`;
  const r = await apiClient(s.url)('POST', '/api/v1/auth/signup', {
    email,
    password: PASSWORD,
    username: `g_${randomUUID().slice(0, 8)}`,
  });
  expect(r.status).toBe(201);
  return email;
}

const signIn = (s: Stack, email: string, password: string, headers: Record<string, string> = {}) =>
  apiClient(s.url)('POST', '/api/v1/auth/token', { email, password }, headers);

const retryAfterOf = (r: { headers: Headers }) => Number(r.headers.get('retry-after'));

describe('password guessing', () => {
  it('answers the 11th wrong password for one account with 429 and Retry-After until the window ends', async () => {
    const s = await start();
    const email = await signUp(s);
    for (let i = 0; i < 10; i++) expect((await signIn(s, email, `wrong ${i}`)).status).toBe(401);

    const limited = await signIn(s, email, 'wrong 10');

    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: expect.stringMatching(/failed sign-ins per 900 s per account/),
      code: 'rate_limited',
    });
    expect(retryAfterOf(limited)).toBeGreaterThan(800);
    expect(retryAfterOf(limited)).toBeLessThanOrEqual(900);
  });

  it('refuses even the right password while the account is limited', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3' });
    const email = await signUp(s);
    for (let i = 0; i < 3; i++) expect((await signIn(s, email, `wrong ${i}`)).status).toBe(401);

    const right = await signIn(s, email, PASSWORD);

    expect(right.status).toBe(429);
    expect(right.body).not.toHaveProperty('access_token');
  });

  it('lets no more than the limit of 20 concurrent wrong passwords be checked', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '5' });
    const email = await signUp(s);

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(s, email, `wrong ${i}`)));

    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(5);
    expect(statuses.filter((x) => x === 429)).toHaveLength(15);
  });

  it('limits an email without an account exactly like one with an account', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3' });
    const known = await signUp(s);
    const unknown = `nobody-${randomUUID()}@example.com`;
    const run = async (email: string) => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await signIn(s, email, `wrong ${i}`));
      return answers.map((r) => ({ status: r.status, body: r.body }));
    };

    expect(await run(unknown)).toEqual(await run(known));
  });

  it('counts an email in any case as one account', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' });
    const email = await signUp(s);
    expect((await signIn(s, email.toUpperCase(), 'wrong 1')).status).toBe(401);
    expect((await signIn(s, email, 'wrong 2')).status).toBe(401);
    expect((await signIn(s, ` ${email.toUpperCase()}`, 'wrong 3')).status).toBe(429);
  });

  it('clears the failures of that email from that address on a successful sign-in', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: '3' });
    const email = await signUp(s);
    for (let i = 0; i < 2; i++) expect((await signIn(s, email, `wrong ${i}`)).status).toBe(401);
    expect((await signIn(s, email, PASSWORD)).status).toBe(200);

    const after = [];
    for (let i = 0; i < 4; i++) after.push((await signIn(s, email, `wrong again ${i}`)).status);

    expect(after).toEqual([401, 401, 401, 429]);
  });

  it('limits failed sign-ins per IP across many accounts', async () => {
    const s = await start({
      RATE_LIMIT_LOGIN_PER_IP: '4',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100',
    });
    for (let i = 0; i < 4; i++)
      expect((await signIn(s, `spray-${i}-${randomUUID()}@example.com`, 'wrong')).status).toBe(401);

    const limited = await signIn(s, `spray-5-${randomUUID()}@example.com`, 'wrong');

    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/failed sign-ins per 900 s per IP/);
    expect(retryAfterOf(limited)).toBeGreaterThan(0);
  });

  it('does not count successful sign-ins against the IP', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_IP: '2' });
    const email = await signUp(s);
    for (let i = 0; i < 5; i++) expect((await signIn(s, email, PASSWORD)).status).toBe(200);
  });

  it('shares the account limit between two API processes', async () => {
    const prefix = `rl-${randomUUID().slice(0, 8)}`;
    const config = { RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_LOGIN_PER_ACCOUNT: '4' };
    const [a, b] = await Promise.all([start(config), start(config)]);
    const email = await signUp(a);
    for (let i = 0; i < 4; i++) expect((await signIn(i % 2 ? a : b, email, `wrong ${i}`)).status).toBe(401);

    expect((await signIn(a, email, 'wrong 5')).status).toBe(429);
    expect((await signIn(b, email, 'wrong 6')).status).toBe(429);
  });
});

describe('X-Forwarded-For', () => {
  const sprayFromForgedIps = (s: Stack) =>
    (async () => {
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (
            await signIn(s, `xff-${i}-${randomUUID()}@example.com`, 'wrong', {
              'X-Forwarded-For': `198.51.100.${i + 1}`,
            })
          ).status,
        );
      return statuses;
    })();

  it('is ignored by default, so forged addresses share the real IP budget', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    expect(s.config.TRUST_PROXY).toBe(0);
    expect(await sprayFromForgedIps(s)).toEqual([401, 401, 401, 429]);
  });

  it('is believed only when TRUST_PROXY is set', async () => {
    const s = await start({ RATE_LIMIT_LOGIN_PER_IP: '3', TRUST_PROXY: '1' });
    expect(await sprayFromForgedIps(s)).toEqual([401, 401, 401, 401]);
  });
});

describe('rental-code guessing', () => {
  async function rentalCode(s: Stack): Promise<string> {
    const agent = await createTestAccount(s.db, { kind: 'bot' });
    const renter = await createTestAccount(s.db);
    const id = randomUUID();
    await s.db.query(
      `INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, minutes, price_per_minute, starts_at, ends_at)
       VALUES ($1, $2, $3, $4, $3, 'ended', 10, 1000000, now() - interval '1 hour', now() - interval '50 minutes')`,
      [id, id.replace(/-/g, '').slice(0, 8), agent.id, renter.id],
    );
    return id;
  }
  /** A code no rental has: UUIDv4 ids never have version nibble 0. */
  const unknownCode = () => `${randomUUID().replace(/-/g, '').slice(0, 12)}0000`;

  it('answers unknown codes past the per-IP budget with 429 and Retry-After, on every Rentr path', async () => {
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '4' });
    const statuses = [];
    for (const [method, path] of [
      ['GET', '/v1/status'],
      ['POST', '/v1/chat'],
      ['GET', '/api/v1/status'],
      ['POST', '/api/v1/chat'],
    ])
      statuses.push(
        (
          await apiClient(s.url, unknownCode())(
            method,
            path,
            method === 'POST' ? { message: 'hi' } : undefined,
          )
        ).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401]);

    const limited = await apiClient(s.url, unknownCode())('GET', '/api/v1/status');

    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: expect.stringMatching(/failed rental-code lookups per 900 s per IP/),
      code: 'rate_limited',
    });
    expect(retryAfterOf(limited)).toBeGreaterThan(800);
  });

  it('refuses even a real code once the IP has spent its budget on guesses', async () => {
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '2' });
    const id = await rentalCode(s);
    for (let i = 0; i < 2; i++)
      expect((await apiClient(s.url, unknownCode())('GET', '/v1/status')).status).toBe(401);

    expect((await apiClient(s.url, id)('GET', '/v1/status')).status).toBe(429);
  });

  it('charges nothing for a code that names a rental', async () => {
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '2' });
    const id = await rentalCode(s);
    for (let i = 0; i < 6; i++) expect((await apiClient(s.url, id)('GET', '/v1/status')).status).toBe(403);

    expect((await apiClient(s.url, unknownCode())('GET', '/v1/status')).status).toBe(401);
  });

  it('counts every one of 20 concurrent guesses, so the next guess is refused', async () => {
    // Failures are counted after the lookup (a real code costs no write): concurrent guesses may
    // all be looked up, but each is counted, and a spent budget refuses what comes next.
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '5' });

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => apiClient(s.url, unknownCode())('GET', '/v1/status')),
    );

    expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    const next = await apiClient(s.url, unknownCode())('GET', '/v1/status');
    expect(next.status).toBe(429);
    const { rows } = await s.db.query<{ points: number }>(
      "SELECT points FROM rate_limits WHERE key LIKE '%:rental-code:%' AND key LIKE $1 || '%'",
      [s.config.RATE_LIMIT_KEY_PREFIX],
    );
    expect(rows[0].points).toBe(answers.filter((r) => r.status === 401).length);
  });

  it('writes nothing for a lookup of a code that names a rental', async () => {
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '5' });
    const id = await rentalCode(s);

    for (let i = 0; i < 3; i++) expect((await apiClient(s.url, id)('GET', '/v1/status')).status).toBe(403);

    const { rows } = await s.db.query(
      "SELECT key FROM rate_limits WHERE key LIKE '%:rental-code:%' AND key LIKE $1 || '%'",
      [s.config.RATE_LIMIT_KEY_PREFIX],
    );
    expect(rows).toEqual([]);
  });

  it('counts two IPv6 addresses of one /64 in one bucket, and another /64 apart', async () => {
    const s = await start({ RATE_LIMIT_RENTAL_CODES_PER_IP: '3' });
    const deps = { config: s.config, db: s.db };
    const miss = () => Promise.reject(new AppError(ErrorCode.Unauthorized, 'Invalid API key'));
    const outcome = (ip: string) => limitRentalCodeLookup(deps, ip, miss).catch((err: AppError) => err.code);
    for (let i = 0; i < 3; i++)
      expect(await outcome(`2001:db8:aa:bb::${i + 1}`)).toBe(ErrorCode.Unauthorized);

    expect(await outcome('2001:db8:aa:bb:1234:5678:9abc:def0')).toBe(ErrorCode.RateLimited);
    expect(await outcome('2001:db8:aa:bc::1')).toBe(ErrorCode.Unauthorized);
  });
});
