/**
 * Bad text at the edge (issue 11): every text field of every REST body, query and MCP tool input
 * refuses NUL, lone surrogates and control characters with a 400 naming the field, and a 2 MB
 * string with a 4xx, changing nothing. A refused message or proof leaves the rental or task
 * working: it still ends and settles. Deep JSON and unrepresentable amounts are 4xx, never 500.
 */
import { randomUUID } from 'node:crypto';
import { startRental } from '../clients/rentr-fixtures';
import { apiClient, createTestAccount, fund, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

type Json = Record<string, unknown>;
type Who = 'anon' | 'person' | 'worker' | 'bot' | 'admin' | 'code';

interface Answer {
  status: number;
  error: string;
}

/** One request with a deadline: a wedged workflow shows up as a failed test, not a hung run. */
async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
  timeoutMs = 20_000,
): Promise<Answer & { body: Json }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text ? (JSON.parse(text) as Json) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, error: String(parsed.error ?? ''), body: parsed };
}

const BAD_TEXT: [label: string, value: string][] = [
  ['NUL', 'x\u0000y'],
  ['a lone surrogate', 'x\uD800y'],
  ['a control character', 'x\u0007y'],
];
const TWO_MB = 'x'.repeat(2 * 1024 * 1024);

let stack: Stack;
let person: TestAccount;
let worker: TestAccount;
let bot: TestAccount;
let rental: { id: string; code: string };

beforeAll(async () => {
  stack = await startStack({
    config: {
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '10000',
      RATE_LIMIT_PER_IP_PER_MINUTE: '10000',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '10000',
    },
  });
  const started = await startRental(stack, {});
  person = started.renter;
  bot = started.bot;
  rental = started.rental;
  worker = await createTestAccount(stack.db);
});
afterAll(async () => {
  await stack?.stop();
});

function headersOf(who: Who): Record<string, string> {
  switch (who) {
    case 'anon':
      return {};
    case 'person':
      return { 'X-API-Key': person.apiKey };
    case 'worker':
      return { 'X-API-Key': worker.apiKey };
    case 'bot':
      return { 'X-API-Key': bot.apiKey };
    case 'admin':
      return { 'X-API-Key': TEST_ADMIN_KEY };
    case 'code':
      return { 'X-API-Key': rental.code };
  }
}

/**
 * Everything a refused request could have changed (rate-limit counters and key last-use aside;
 * webhook deliveries are left out: workflows of earlier tests enqueue theirs in the background).
 */
async function snapshot(): Promise<string> {
  const r = await stack.db.query<{ s: string }>(
    `SELECT concat_ws('|',
       (SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY id), '')) FROM accounts a),
       (SELECT md5(coalesce(string_agg(concat_ws(',', id, name, revoked_at), ';' ORDER BY id), '')) FROM api_keys),
       (SELECT md5(coalesce(string_agg(concat_ws(',', id, balance), ';' ORDER BY id), '')) FROM ledger_accounts),
       (SELECT count(*) FROM ledger_journals), (SELECT count(*) FROM idempotency_keys),
       (SELECT count(*) FROM rental_messages), (SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY id), '')) FROM rentals r),
       (SELECT count(*) FROM tasks), (SELECT count(*) FROM task_acceptances),
       (SELECT count(*) FROM withdrawals)) AS s`,
  );
  return r.rows[0].s;
}

interface FieldCase {
  what: string;
  field: string;
  who: Who;
  inQuery?: boolean;
  /** REST: method, path and the body or query carrying `v` in `field`. */
  request: (v: string) => { method: string; path: string; body?: Json; headers?: Record<string, string> };
}

const key = () => ({ 'Idempotency-Key': randomUUID() });
const q = (v: string) => encodeURIComponent(v);
const signup = () => ({
  email: `s-${randomUUID()}@example.com`,
  password: 'correct horse battery',
  username: `u${randomUUID().slice(0, 8)}`,
});

const restCases = (): FieldCase[] => [
  {
    what: 'bot registration',
    field: 'agent_name',
    who: 'anon',
    request: (v) => ({ method: 'POST', path: '/api/v1/agent/register', body: { agent_name: v } }),
  },
  {
    what: 'owned bot registration',
    field: 'agent_name',
    who: 'person',
    request: (v) => ({ method: 'POST', path: '/api/v1/agents', body: { agent_name: v } }),
  },
  ...(['email', 'password', 'username', 'referral_code'] as const).map((field): FieldCase => ({
    what: 'sign-up',
    field,
    who: 'anon',
    request: (v) => ({ method: 'POST', path: '/api/v1/auth/signup', body: { ...signup(), [field]: v } }),
  })),
  ...(['email', 'password'] as const).map((field): FieldCase => ({
    what: 'log-in',
    field,
    who: 'anon',
    request: (v) => ({
      method: 'POST',
      path: '/api/v1/auth/token',
      body: { email: 'a@example.com', password: 'whatever1', [field]: v },
    }),
  })),
  {
    what: 'API key creation',
    field: 'name',
    who: 'person',
    request: (v) => ({ method: 'POST', path: '/api/v1/keys', body: { name: v } }),
  },
  {
    what: 'operator adjustment',
    field: 'reason',
    who: 'admin',
    request: (v) => ({
      method: 'POST',
      path: '/api/v1/admin/adjustments',
      body: { account_id: person.id, amount: 5, reason: v },
      headers: key(),
    }),
  },
  ...(['name', 'description', 'webhook_token'] as const).map((field): FieldCase => ({
    what: 'agent profile',
    field,
    who: 'bot',
    request: (v) => ({ method: 'PATCH', path: '/api/agents/me', body: { [field]: v } }),
  })),
  {
    what: 'agent profile',
    field: 'webhook_url',
    who: 'bot',
    request: (v) => ({
      method: 'PATCH',
      path: '/api/agents/me',
      body: { webhook_url: `https://example.com/${v}` },
    }),
  },
  {
    what: 'marketplace search',
    field: 'q',
    inQuery: true,
    who: 'anon',
    request: (v) => ({ method: 'GET', path: `/api/agents?q=${q(v)}` }),
  },
  {
    what: 'rental message',
    field: 'content',
    who: 'person',
    request: (v) => ({ method: 'POST', path: `/api/rentals/${rental.id}/messages`, body: { content: v } }),
  },
  {
    what: 'rental end',
    field: 'reason',
    who: 'person',
    request: (v) => ({ method: 'POST', path: `/api/rentals/${rental.id}/end`, body: { reason: v } }),
  },
  {
    what: 'Rentr chat',
    field: 'message',
    who: 'code',
    request: (v) => ({ method: 'POST', path: '/v1/chat', body: { message: v } }),
  },
  ...(['title', 'description'] as const).map((field): FieldCase => ({
    what: 'task creation',
    field,
    who: 'person',
    request: (v) => ({
      method: 'POST',
      path: '/api/v1/agent/tasks',
      body: { title: 't', description: 'd', category: 'other', reward_usd: 1, slots: 1, [field]: v },
    }),
  })),
  {
    what: 'task search',
    field: 'query',
    who: 'worker',
    request: (v) => ({ method: 'POST', path: '/api/v1/agent/tasks/search', body: { query: v } }),
  },
  {
    what: 'proof',
    field: 'proof_text',
    who: 'worker',
    request: (v) => ({
      method: 'POST',
      path: `/api/v1/agent/tasks/${randomUUID()}/submit`,
      body: { proof_text: v },
      headers: key(),
    }),
  },
  {
    what: 'proof',
    field: 'proof_url',
    who: 'worker',
    request: (v) => ({
      method: 'POST',
      path: `/api/v1/agent/tasks/${randomUUID()}/submit`,
      body: { proof_text: 'done', proof_url: `https://example.com/${v}` },
      headers: key(),
    }),
  },
  {
    what: 'review decision',
    field: 'reason',
    who: 'person',
    request: (v) => ({
      method: 'POST',
      path: `/api/v1/agent/tasks/${randomUUID()}/submissions/${randomUUID()}/reject`,
      body: { reason: v },
    }),
  },
  {
    what: 'withdrawal',
    field: 'address',
    who: 'person',
    request: (v) => ({
      method: 'POST',
      path: '/api/v1/finance/withdraw',
      body: { amount: 25, currency: 'USDT', address: v },
      headers: key(),
    }),
  },
  {
    what: 'withdrawal review',
    field: 'reason',
    who: 'admin',
    request: (v) => ({
      method: 'POST',
      path: `/api/v1/admin/withdrawals/${randomUUID()}/reject`,
      body: { reason: v },
    }),
  },
  {
    what: 'delivery log filter',
    field: 'event',
    inQuery: true,
    who: 'person',
    request: (v) => ({ method: 'GET', path: `/api/v1/webhooks/deliveries?event=${q(v)}` }),
  },
  {
    what: 'webhook endpoint',
    field: 'url',
    who: 'person',
    request: (v) => ({
      method: 'PUT',
      path: '/api/v1/webhooks/endpoint',
      body: { url: `https://example.com/${v}` },
    }),
  },
];

async function restCall(c: FieldCase, v: string) {
  const r = c.request(v);
  return send(
    `${stack.url}${r.path}`,
    r.method,
    { ...headersOf(c.who), ...r.headers },
    r.body === undefined ? undefined : JSON.stringify(r.body),
  );
}

describe('every REST text field', () => {
  for (const c of restCases()) {
    // A query string is UTF-8 bytes: a lone surrogate cannot be sent in one.
    const bad = c.inQuery ? BAD_TEXT.filter(([l]) => l !== 'a lone surrogate') : BAD_TEXT;
    for (const [label, value] of bad) {
      it(`${c.what}: ${c.field} with ${label} is a 400 naming the field and changes nothing`, async () => {
        const before = await snapshot();
        const res = await restCall(c, value);
        expect({ status: res.status, error: res.error }).toEqual({
          status: 400,
          error: expect.stringMatching(new RegExp(`^${c.field}: `)),
        });
        expect(await snapshot()).toBe(before);
      });
    }
    it(`${c.what}: ${c.field} with 2 MB is a 4xx and changes nothing`, async () => {
      const before = await snapshot();
      const res = await restCall(c, TWO_MB);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await snapshot()).toBe(before);
    });
  }
});

describe('every MCP tool text argument', () => {
  const mcp = (args: { name: string; arguments: Json }, who: Who) =>
    send(
      `${stack.url}/api/v1/mcp`,
      'POST',
      headersOf(who),
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: args }),
    );

  const toolCases = (): { tool: string; field: string; who: Who; args: (v: string) => Json }[] => [
    { tool: 'register_agent', field: 'agent_name', who: 'anon', args: (v) => ({ agent_name: v }) },
    {
      tool: 'send_rental_message',
      field: 'content',
      who: 'person',
      args: (v) => ({ rental_id: rental.id, content: v }),
    },
    {
      tool: 'create_task',
      field: 'title',
      who: 'person',
      args: (v) => ({ title: v, description: 'd', category: 'other', reward_usd: 1, slots: 1 }),
    },
    { tool: 'search_tasks', field: 'query', who: 'worker', args: (v) => ({ query: v }) },
    {
      tool: 'submit_proof',
      field: 'proof_text',
      who: 'worker',
      args: (v) => ({ task_id: randomUUID(), proof_text: v }),
    },
    {
      tool: 'create_withdrawal',
      field: 'idempotency_key',
      who: 'person',
      args: (v) => ({
        amount: 25,
        currency: 'USDT',
        address: 'TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C',
        idempotency_key: v,
      }),
    },
  ];

  for (const c of toolCases()) {
    for (const [label, value] of BAD_TEXT) {
      it(`${c.tool}: ${c.field} with ${label} is a tool error naming the field and changes nothing`, async () => {
        const before = await snapshot();
        const res = await mcp({ name: c.tool, arguments: c.args(value) }, c.who);
        const result = res.body.result as { isError?: boolean; content: { text: string }[] };
        expect(result.isError).toBe(true);
        expect(result.content[0].text).toMatch(new RegExp(`^${c.field}: `));
        expect(await snapshot()).toBe(before);
      });
    }
  }
});

describe('the Idempotency-Key header', () => {
  it('is refused with 400 when it is not printable ASCII, and nothing changes', async () => {
    const before = await snapshot();
    const res = await send(
      `${stack.url}/api/v1/finance/withdraw`,
      'POST',
      { ...headersOf('person'), 'Idempotency-Key': 'cl\u00e9-1' },
      JSON.stringify({ amount: 25, currency: 'USDT', address: 'TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C' }),
    );
    expect(res.status).toBe(400);
    expect(res.error).toMatch(/^Idempotency-Key/);
    expect(await snapshot()).toBe(before);
  });
});

describe('the webhook_token of an agent profile', () => {
  it('is refused with 400 when it is not printable ASCII (it is sent as a header), and nothing changes', async () => {
    const before = await snapshot();
    const res = await send(
      `${stack.url}/api/agents/me`,
      'PATCH',
      headersOf('bot'),
      JSON.stringify({ webhook_token: 'tök€n' }),
    );
    expect(res).toMatchObject({ status: 400, error: expect.stringMatching(/^webhook_token: /) });
    expect(await snapshot()).toBe(before);
  });
});

describe('a refused message or proof leaves the rental and the task working', () => {
  it('a rental message with NUL is a 400; the rental still takes messages, ends and settles at once', async () => {
    const own = await startRental(stack, {});
    const call = (method: string, path: string, body?: Json) =>
      send(`${stack.url}${path}`, method, { 'X-API-Key': own.renter.apiKey }, body && JSON.stringify(body));
    const refused = await call('POST', `/api/rentals/${own.rental.id}/messages`, { content: 'x\u0000y' });
    expect(refused).toMatchObject({ status: 400, error: expect.stringMatching(/^content: /) });
    const ok = await call('POST', `/api/rentals/${own.rental.id}/messages`, { content: 'hello' });
    expect(ok.status).toBe(201);
    const started = Date.now();
    const ended = await call('POST', `/api/rentals/${own.rental.id}/end`, {});
    expect(ended).toMatchObject({ status: 200, body: { status: 'ended', settled: true } });
    expect(Date.now() - started).toBeLessThan(10_000);
    const held = await stack.db.query<{ balance: string }>(
      `SELECT balance FROM ledger_accounts WHERE owner_id = $1 AND purpose = 'escrow'`,
      [own.renter.id],
    );
    expect(held.rows.map((r) => Number(r.balance))).toEqual([0]);
  });

  it('a task proof with NUL is a 400; the same acceptance then submits and is approved and paid', async () => {
    const creator = await createTestAccount(stack.db);
    await fund(stack.db, creator.id, 10);
    const doer = await createTestAccount(stack.db);
    const asCreator = apiClient(stack.url, creator.apiKey);
    const asDoer = apiClient(stack.url, doer.apiKey);
    const task = await asCreator<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Count',
      description: 'Count things',
      category: 'other',
      reward_usd: 2,
      slots: 1,
    });
    expect(task.status).toBe(201);
    const accepted = await asDoer<{ acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/accept`,
      undefined,
      key(),
    );
    expect(accepted.status).toBe(200);
    const refused = await send(
      `${stack.url}/api/v1/agent/tasks/${task.body.id}/submit`,
      'POST',
      { 'X-API-Key': doer.apiKey, ...key() },
      JSON.stringify({ proof_text: 'done\u0000' }),
    );
    expect(refused).toMatchObject({ status: 400, error: expect.stringMatching(/^proof_text: /) });
    const submitted = await asDoer(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submit`,
      { proof_text: 'done' },
      key(),
    );
    expect(submitted.status).toBe(200);
    const approved = await asCreator(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submissions/${accepted.body.acceptance_id}/approve`,
      {},
    );
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved' } });
  });
});

describe('hostile JSON and numbers', () => {
  const deep = (levels: number) => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`;

  it.each([
    ['POST', '/api/rentals', 'person'],
    ['POST', '/api/v1/finance/withdraw', 'person'],
    ['POST', '/api/v1/admin/adjustments', 'admin'],
    ['POST', '/v1/chat', 'code'],
    ['POST', '/api/v1/mcp', 'person'],
    ['POST', '/api/v1/auth/signup', 'anon'],
  ] as const)('%s %s with JSON nested 10,000 levels deep is a 4xx', async (method, path, who) => {
    const before = await snapshot();
    const res = await send(`${stack.url}${path}`, method, { ...headersOf(who), ...key() }, deep(10_000));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await snapshot()).toBe(before);
  });

  it('a body over the size limit is a 413 with a JSON error', async () => {
    const res = await send(
      `${stack.url}/api/rentals/${rental.id}/messages`,
      'POST',
      headersOf('person'),
      JSON.stringify({ content: TWO_MB }),
    );
    expect(res).toMatchObject({ status: 413, error: expect.any(String) });
  });

  const numbers: [string, string][] = [
    ['1e308', '1e308'],
    ['1e400', '1e400'],
    ['-1e400', '-1e400'],
    ['a 30-digit integer', '123456789012345678901234567890'],
  ];
  const amountFields = (n: string): [string, string, Who, string, Record<string, string>?][] => [
    [
      '/api/v1/admin/adjustments',
      `{"account_id":"${randomUUID()}","reason":"r","amount":${n}}`,
      'admin',
      'amount',
      key(),
    ],
    [
      '/api/v1/finance/withdraw',
      `{"currency":"USDT","address":"TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C","amount":${n}}`,
      'person',
      'amount',
      key(),
    ],
    ['/api/rentals', `{"agent_id":"${bot.id}","minutes":${n}}`, 'person', 'minutes'],
    [
      '/api/v1/agent/tasks',
      `{"title":"t","description":"d","category":"other","slots":1,"reward_usd":${n}}`,
      'person',
      'reward_usd',
    ],
    [
      '/api/v1/agent/tasks',
      `{"title":"t","description":"d","category":"other","reward_usd":1,"slots":${n}}`,
      'person',
      'slots',
    ],
    ['/api/v1/agent/tasks/search', `{"min_reward":${n}}`, 'worker', 'min_reward'],
  ];
  for (const [label, n] of numbers) {
    it(`amounts of ${label} are a 400 naming the field and change nothing`, async () => {
      const before = await snapshot();
      for (const [path, body, who, field, headers] of amountFields(n)) {
        const res = await send(`${stack.url}${path}`, 'POST', { ...headersOf(who), ...headers }, body);
        expect({ path, status: res.status, error: res.error }).toEqual({
          path,
          status: 400,
          error: expect.stringMatching(new RegExp(`^${field}: `)),
        });
      }
      for (const [method, path] of [
        ['PATCH', '/api/v1/account/settings'],
        ['PATCH', '/api/agents/me'],
      ]) {
        const body = path.endsWith('settings')
          ? `{"max_hourly_spend_usd":${n}}`
          : `{"price_per_minute":${n}}`;
        const res = await send(
          `${stack.url}${path}`,
          method,
          headersOf(path.endsWith('settings') ? 'person' : 'bot'),
          body,
        );
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
      }
      expect(await snapshot()).toBe(before);
    });
  }

  it('a price per minute whose longest rental would not be a representable amount is refused', async () => {
    const res = await send(
      `${stack.url}/api/agents/me`,
      'PATCH',
      headersOf('bot'),
      '{"price_per_minute":999999999}',
    );
    expect(res).toMatchObject({ status: 400, error: expect.stringMatching(/^price_per_minute: /) });
  });

  it.each(['limit', 'offset'])('?%s=1e400 is a 400', async (param) => {
    const res = await send(`${stack.url}/api/agents?${param}=1e400`, 'GET', {});
    expect(res).toMatchObject({ status: 400, error: expect.stringMatching(new RegExp(`^${param}: `)) });
  });
});
