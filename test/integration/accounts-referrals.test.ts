import { randomUUID } from 'node:crypto';
import { createLedgerActivities } from '../../activities/ledger';
import { createLogger } from '../../worker/logger';
import { apiClient, fund } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false, config: { RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100' } });
});
afterAll(async () => {
  await stack?.stop();
});

const signup = (referral_code?: string) =>
  apiClient(stack.url)('POST', '/api/v1/auth/signup', {
    email: `r-${randomUUID()}@example.com`,
    password: 'long enough pw',
    username: `r_${randomUUID().slice(0, 10)}`,
    ...(referral_code ? { referral_code } : {}),
  });

describe('referrals', () => {
  it('links a sign-up to the referrer and shows only name, dates and commission earned', async () => {
    const referrer = await signup();
    const code = referrer.body.referral_code as string;
    const referred = await signup(code.toUpperCase());
    expect(referred.status).toBe(201);
    const link = await stack.db.query('SELECT referred_by FROM accounts WHERE id = $1', [
      referred.body.user_id,
    ]);
    expect(link.rows[0].referred_by).toBe(referrer.body.user_id);

    // The referred user earns 10 USDT: 1 USDT fee, 20% of it (0.2) to the referrer.
    const ledger = createLedgerActivities({
      db: stack.db,
      config: stack.config,
      logger: createLogger('silent'),
      temporal: stack.client,
    });
    const escrowOwner = referrer.body.user_id as string;
    await fund(stack.db, escrowOwner, 10);
    await ledger.payEarner({
      idempotencyKey: `test-payout:${randomUUID()}`,
      kind: 'task_payout',
      reference: 'task:t1',
      from: { ownerId: escrowOwner, purpose: 'available' },
      earnerId: referred.body.user_id as string,
      gross: 10_000_000,
    });

    const call = apiClient(stack.url, undefined);
    const r = await call('GET', '/api/v1/referrals', undefined, {
      Authorization: `Bearer ${referrer.body.access_token as string}`,
    });
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(code);
    expect(r.body.link).toBe(`${stack.url}/r/${code}`);
    const users = r.body.referred_users as Record<string, unknown>[];
    expect(users).toHaveLength(1);
    expect(Object.keys(users[0]).sort()).toEqual([
      'commission_earned',
      'earning_window_expires_at',
      'joined_at',
      'name',
    ]);
    expect(users[0]).toMatchObject({ name: referred.body.username, commission_earned: 0.2 });
    const days =
      (Date.parse(users[0].earning_window_expires_at as string) - Date.parse(users[0].joined_at as string)) /
      86_400_000;
    expect(days).toBe(stack.config.REFERRAL_WINDOW_DAYS);
  });

  it('refuses an unknown referral code with 400 naming referral_code and creates nothing', async () => {
    const before = await stack.db.query('SELECT count(*)::int AS n FROM accounts');
    const r = await signup('nosuchcode');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^referral_code: /);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(
      before.rows[0].n,
    );
  });

  it('serves /r/<code> as JSON for API clients, a redirect for browsers and 404 when unknown', async () => {
    const code = (await signup()).body.referral_code as string;
    const json = await apiClient(stack.url)('GET', `/r/${code}`);
    expect(json.body).toMatchObject({ referral_code: code, signup: { path: '/api/v1/auth/signup' } });
    const html = await fetch(`${stack.url}/r/${code}`, {
      headers: { Accept: 'text/html' },
      redirect: 'manual',
    });
    expect(html.status).toBe(302);
    expect(html.headers.get('location')).toContain(`ref=${code}`);
    expect((await apiClient(stack.url)('GET', '/r/unknowncode')).status).toBe(404);
  });
});
