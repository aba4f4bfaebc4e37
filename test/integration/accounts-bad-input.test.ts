import { randomUUID } from 'node:crypto';
import { apiClient, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
let person: TestAccount;
let bot: TestAccount;
beforeAll(async () => {
  stack = await startStack({ worker: false, config: { RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000' } });
  person = await createTestAccount(stack.db);
  bot = await createTestAccount(stack.db, { kind: 'bot' });
});
afterAll(async () => {
  await stack?.stop();
});

/** Everything a request of this issue could change (rate-limit counters and key last-use aside). */
async function snapshot(): Promise<string> {
  const r = await stack.db.query<{ s: string }>(
    `SELECT concat_ws('|',
       (SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY id), '')) FROM accounts a),
       (SELECT md5(coalesce(string_agg(concat_ws(',', id, key_hash, name, revoked_at), ';' ORDER BY id), '')) FROM api_keys),
       (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY id), '')) FROM ledger_accounts l),
       (SELECT count(*) FROM ledger_journals), (SELECT count(*) FROM ledger_entries),
       (SELECT count(*) FROM idempotency_keys)) AS s`,
  );
  return r.rows[0].s;
}

type Case = [
  what: string,
  method: string,
  path: string,
  body: unknown,
  who: 'anon' | 'person' | 'bot' | 'admin',
  field: RegExp,
];

/** The usual suspects for a USDT amount field: each must be a 400 naming the field. */
function amountCases(
  method: string,
  path: string,
  base: Record<string, unknown>,
  field: string,
  who: Case[4],
): Case[] {
  const values: [string, unknown][] = [
    ['a string', '10'],
    ['7 decimals', 1.0000001],
    ['negative', -5],
    ['1e30', 1e30],
    ['a boolean', true],
    ['an object', { v: 1 }],
  ];
  return [
    ...values.map(([label, v]): Case => [
      `${field} as ${label}`,
      method,
      path,
      { ...base, [field]: v },
      who,
      new RegExp(`^${field}: `),
    ]),
    [`${field} missing`, method, path, base, who, new RegExp(`^${field}: `)],
  ];
}

const email = () => `b-${randomUUID()}@example.com`;
const adjustment = () => ({ account_id: person.id, reason: 'r' });

const cases = (): Case[] => [
  ['register without agent_name', 'POST', '/api/v1/agent/register', {}, 'anon', /^agent_name: /],
  [
    'register with numeric agent_name',
    'POST',
    '/api/v1/agent/register',
    { agent_name: 5 },
    'anon',
    /^agent_name: /,
  ],
  [
    'register with blank agent_name',
    'POST',
    '/api/v1/agent/register',
    { agent_name: '   ' },
    'anon',
    /^agent_name: /,
  ],
  [
    'register with a 65-char name',
    'POST',
    '/api/v1/agent/register',
    { agent_name: 'x'.repeat(65) },
    'anon',
    /^agent_name: /,
  ],
  ['register with a JSON array body', 'POST', '/api/v1/agent/register', [], 'anon', /^body: /],
  ['owned bot without agent_name', 'POST', '/api/v1/agents', { name: 'x' }, 'person', /^agent_name: /],
  [
    'signup with a bad email',
    'POST',
    '/api/v1/auth/signup',
    { email: 'nope', password: 'long enough', username: 'abc' },
    'anon',
    /^email: /,
  ],
  [
    'signup with a short password',
    'POST',
    '/api/v1/auth/signup',
    { email: email(), password: 'short', username: 'abcd' },
    'anon',
    /^password: /,
  ],
  [
    'signup with a numeric password',
    'POST',
    '/api/v1/auth/signup',
    { email: email(), password: 12345678, username: 'abcd' },
    'anon',
    /^password: /,
  ],
  [
    'signup with a bad username',
    'POST',
    '/api/v1/auth/signup',
    { email: email(), password: 'long enough', username: 'a b' },
    'anon',
    /^username: /,
  ],
  [
    'signup without username',
    'POST',
    '/api/v1/auth/signup',
    { email: email(), password: 'long enough' },
    'anon',
    /^username: /,
  ],
  [
    'signup with a numeric referral_code',
    'POST',
    '/api/v1/auth/signup',
    { email: email(), password: 'long enough', username: `u${randomUUID().slice(0, 6)}`, referral_code: 7 },
    'anon',
    /^referral_code: /,
  ],
  ['token without password', 'POST', '/api/v1/auth/token', { email: 'a@b.c' }, 'anon', /^password: /],
  [
    'token with an object email',
    'POST',
    '/api/v1/auth/token',
    { email: {}, password: 'x' },
    'anon',
    /^email: /,
  ],
  ['key with a numeric name', 'POST', '/api/v1/keys', { name: 1 }, 'person', /^name: /],
  ['revoke a non-UUID key', 'DELETE', '/api/v1/keys/abc', undefined, 'person', /^id: /],
  ['rotate a non-UUID key', 'POST', '/api/v1/keys/abc/rotate', undefined, 'person', /^id: /],
  ...amountCases('PATCH', '/api/v1/account/settings', {}, 'max_hourly_spend_usd', 'person'),
  ...amountCases('POST', '/api/v1/admin/adjustments', adjustment(), 'amount', 'admin').filter(
    ([w]) => !w.includes('negative'),
  ),
  [
    'adjustment of zero',
    'POST',
    '/api/v1/admin/adjustments',
    { ...adjustment(), amount: 0 },
    'admin',
    /^amount: /,
  ],
  [
    'adjustment without reason',
    'POST',
    '/api/v1/admin/adjustments',
    { account_id: person.id, amount: 1 },
    'admin',
    /^reason: /,
  ],
  [
    'adjustment with a bad account_id',
    'POST',
    '/api/v1/admin/adjustments',
    { account_id: 'x', amount: 1, reason: 'r' },
    'admin',
    /^account_id: /,
  ],
  ...amountCases('PATCH', '/api/agents/me', { name: 'n' }, 'price_per_minute', 'bot').filter(
    ([w]) => !w.includes('missing'),
  ),
  [
    'profile with zero price',
    'PATCH',
    '/api/agents/me',
    { price_per_minute: 0 },
    'bot',
    /^price_per_minute: /,
  ],
  [
    'profile with an unknown integration',
    'PATCH',
    '/api/agents/me',
    { integration: 'pigeon' },
    'bot',
    /^integration: /,
  ],
  [
    'profile with a numeric webhook_url',
    'PATCH',
    '/api/agents/me',
    { webhook_url: 42 },
    'bot',
    /^webhook_url: /,
  ],
  [
    'profile with a relative webhook_url',
    'PATCH',
    '/api/agents/me',
    { webhook_url: '/hooks' },
    'bot',
    /^webhook_url: /,
  ],
  [
    'profile with integration but no webhook',
    'PATCH',
    '/api/agents/me',
    { integration: 'proxy' },
    'bot',
    /^integration: /,
  ],
  ['profile with nothing to change', 'PATCH', '/api/agents/me', {}, 'bot', /^body: /],
  [
    'transactions with limit=abc',
    'GET',
    '/api/v1/finance/transactions?limit=abc',
    undefined,
    'person',
    /^limit: /,
  ],
  [
    'transactions with limit=1000',
    'GET',
    '/api/v1/finance/transactions?limit=1000',
    undefined,
    'person',
    /^limit: /,
  ],
  [
    'transactions with a forged cursor',
    'GET',
    '/api/v1/finance/transactions?cursor=abc',
    undefined,
    'person',
    /^cursor: /,
  ],
  ['agents with a negative min_price', 'GET', '/api/agents?min_price=-1', undefined, 'anon', /^min_price: /],
  [
    'agents with 7-decimal max_price',
    'GET',
    '/api/agents?max_price=0.0000001',
    undefined,
    'anon',
    /^max_price: /,
  ],
  ['agents with an unknown sort', 'GET', '/api/agents?sort=popularity', undefined, 'anon', /^sort: /],
  [
    'agents with rental_ready=maybe',
    'GET',
    '/api/agents?rental_ready=maybe',
    undefined,
    'anon',
    /^rental_ready: /,
  ],
  ['agent with a non-UUID id', 'GET', '/api/agents/abc', undefined, 'anon', /^id: /],
];

describe('bad input on every endpoint', () => {
  it('answers 400 naming the field and changes nothing', async () => {
    const keyOf = { anon: undefined, person: person.apiKey, bot: bot.apiKey, admin: TEST_ADMIN_KEY };
    const before = await snapshot();
    for (const [what, method, path, body, who, field] of cases()) {
      const r = await apiClient(stack.url, keyOf[who])(method, path, body, {
        'Idempotency-Key': randomUUID(),
      });
      expect({ what, status: r.status }).toEqual({ what, status: 400 });
      expect({ what, error: (r.body as { error: string }).error }).toEqual({
        what,
        error: expect.stringMatching(field),
      });
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers malformed JSON with 400 and a 1 MB body with 413, changing nothing', async () => {
    const before = await snapshot();
    for (const path of ['/api/v1/agent/register', '/api/v1/auth/signup', '/api/v1/admin/adjustments']) {
      const malformed = await apiClient(stack.url, TEST_ADMIN_KEY)('POST', path, '{"agent_name":', {
        'Content-Type': 'application/json',
        'Idempotency-Key': randomUUID(),
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: 'malformed JSON body', code: 'malformed_json' });
      const huge = await apiClient(stack.url, TEST_ADMIN_KEY)(
        'POST',
        path,
        { agent_name: 'x'.repeat(1024 * 1024) },
        {
          'Idempotency-Key': randomUUID(),
        },
      );
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ error: 'request body too large', code: 'payload_too_large' });
    }
    expect(await snapshot()).toBe(before);
  });
});
