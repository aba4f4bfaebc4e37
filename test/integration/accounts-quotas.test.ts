/**
 * Issue 24.2: owned bots per person and live API keys per account are capped, and the caps hold
 * when the same account hammers two API processes at once (Postgres decides, under the account's
 * lock). Before the caps, every one of these requests succeeded.
 */
import { apiClient, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startPeerApi, startStack } from '../harness/stack';

const MAX_BOTS = 3;
const MAX_KEYS = 3;

describe('account quotas (bots and API keys)', () => {
  let stack: Stack;
  let peer: Awaited<ReturnType<typeof startPeerApi>>;

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: { MAX_OWNED_BOTS: String(MAX_BOTS), MAX_API_KEYS: String(MAX_KEYS) },
    });
    peer = await startPeerApi(stack);
  });
  afterAll(async () => {
    await peer?.close();
    await stack?.stop();
  });

  /** The i-th request goes to one API process or the other. */
  const on = (a: TestAccount, i: number) => apiClient(i % 2 === 0 ? stack.url : peer.url, a.apiKey);

  const count = async (sql: string, id: string) => (await stack.db.query<{ n: number }>(sql, [id])).rows[0].n;
  const botsOf = (id: string) => count('SELECT count(*)::int AS n FROM accounts WHERE owner_id = $1', id);
  const liveKeysOf = (id: string) =>
    count('SELECT count(*)::int AS n FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL', id);

  it('a person minting bots concurrently on two API processes gets MAX_OWNED_BOTS of them, then 409 too_many_bots', async () => {
    const person = await createTestAccount(stack.db);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        on(person, i)('POST', '/api/v1/agents', { agent_name: `bot-${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body).toMatchObject({ code: 'too_many_bots' });
    expect(await botsOf(person.id)).toBe(MAX_BOTS);
  });

  it('an account minting API keys concurrently on two API processes keeps MAX_API_KEYS live keys, then 409 too_many_api_keys', async () => {
    const account = await createTestAccount(stack.db); // holds one key already
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => on(account, i)('POST', '/api/v1/keys', { name: `k${i}` })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX_KEYS - 1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body)).toEqual(
      Array(8 - (MAX_KEYS - 1)).fill(expect.objectContaining({ code: 'too_many_api_keys' })),
    );
    expect(await liveKeysOf(account.id)).toBe(MAX_KEYS);
  });

  it('a revoked key frees its place, and a rotation at the cap still works', async () => {
    const account = await createTestAccount(stack.db);
    const call = on(account, 0);
    const made: string[] = [];
    for (let i = 1; i < MAX_KEYS; i++)
      made.push((await call<{ id: string }>('POST', '/api/v1/keys', {})).body.id);
    expect((await call('POST', '/api/v1/keys', {})).status).toBe(409);
    expect((await call('POST', `/api/v1/keys/${made[0]}/rotate`)).status).toBe(201);
    expect(await liveKeysOf(account.id)).toBe(MAX_KEYS);
    expect((await call('DELETE', `/api/v1/keys/${made[1]}`)).status).toBe(200);
    expect((await call('POST', '/api/v1/keys', {})).status).toBe(201);
    expect(await liveKeysOf(account.id)).toBe(MAX_KEYS);
  });
});
