/**
 * Errors carry a code: every REST error body is `{"error", "code"}` (validation, credentials,
 * unknown routes, conflicts, rate limits, body-parser failures), and an MCP tool error carries
 * the same code in its structured content.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

describe('error codes on the wire', () => {
  let stack: Stack;
  let call: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: {
        RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000',
        RATE_LIMIT_KEY_PREFIX: `codes-${randomUUID().slice(0, 8)}`,
      },
    });
    call = apiClient(stack.url);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('When a field is invalid, then the 400 names it and says `validation`', async () => {
    const renter = await createTestAccount(stack.db);
    const res = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', {
      agent_id: randomUUID(),
      minutes: 'ten',
    });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'minutes: must be a number', code: 'validation' },
    });
  });

  it('When credentials are missing or wrong, then 401 says which with its code', async () => {
    const missing = await call('GET', '/api/v1/finance/balance');
    const wrong = await call('GET', '/api/v1/finance/balance', undefined, { 'X-API-Key': 'rr_live_nope' });
    expect([missing.status, missing.body]).toEqual([
      401,
      { error: 'missing credentials: send X-API-Key or Authorization: Bearer', code: 'missing_credentials' },
    ]);
    expect([wrong.status, wrong.body]).toEqual([
      401,
      { error: 'invalid or revoked credentials', code: 'invalid_credentials' },
    ]);
  });

  it('When no route matches, then 404 `route_not_found`', async () => {
    const res = await call('GET', '/no/such/route');
    expect([res.status, res.body]).toEqual([
      404,
      { error: 'no route for GET /no/such/route', code: 'route_not_found' },
    ]);
  });

  it('When an email is already registered, then 409 `email_taken`', async () => {
    const email = `dup-${randomUUID().slice(0, 8)}@example.com`;
    const signup = (username: string) =>
      call('POST', '/api/v1/auth/signup', { email, password: 'correct horse battery', username });
    expect((await signup(`u${randomUUID().slice(0, 8)}`)).status).toBe(201);
    const again = await signup(`u${randomUUID().slice(0, 8)}`);
    expect([again.status, again.body]).toEqual([
      409,
      { error: 'email is already registered', code: 'email_taken' },
    ]);
  });

  it('When a key’s limit is spent, then 429 `rate_limited` with Retry-After', async () => {
    const bot = await createTestAccount(stack.db, { kind: 'bot' });
    await stack.db.query('UPDATE api_keys SET rate_limit_per_minute = 1 WHERE account_id = $1', [bot.id]);
    const botCall = apiClient(stack.url, bot.apiKey);
    expect((await botCall('GET', '/api/v1/finance/balance')).status).toBe(200);
    const limited = await botCall('GET', '/api/v1/finance/balance');
    expect(limited).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('When the body is malformed JSON, then 400 `malformed_json`', async () => {
    const res = await call('POST', '/health', '{"broken": ', { 'Content-Type': 'application/json' });
    expect([res.status, res.body]).toEqual([400, { error: 'malformed JSON body', code: 'malformed_json' }]);
  });

  it('When the body is too large, then 413 `payload_too_large`', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(300 * 1024) });
    const res = await call('POST', '/health', big, { 'Content-Type': 'application/json' });
    expect([res.status, res.body]).toEqual([
      413,
      { error: 'request body too large', code: 'payload_too_large' },
    ]);
  });

  it('When the JSON nests too deep, then 400 `json_too_deep`', async () => {
    const renter = await createTestAccount(stack.db);
    const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
    const res = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', deep);
    expect(res).toMatchObject({ status: 400, body: { code: 'json_too_deep' } });
  });

  it('When an MCP tool fails, then its structured content carries the same error and code as REST', async () => {
    const res = await fetch(`${stack.url}/api/v1/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': 'rr_live_nope' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_balance', arguments: {} },
      }),
    });
    const body = (await res.json()) as { result: { isError?: boolean; structuredContent?: object } };
    expect(body.result).toMatchObject({
      isError: true,
      structuredContent: {
        error: 'invalid or revoked credentials',
        code: 'invalid_credentials',
        status: 401,
      },
    });
  });
});
