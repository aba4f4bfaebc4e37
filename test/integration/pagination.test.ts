/**
 * One pagination for every list (issue 16.3): walking a list page by page with a small `limit`
 * yields every item exactly once, in the list's order; a cursor that no page of that list handed
 * out is a 400 with code `invalid_cursor`. Rows are seeded straight into Postgres, several of them
 * within the same millisecond (microseconds apart or equal), where a rounding cursor would skip
 * or repeat rows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { encodeCursor } from '../../domain/pagination';
import { apiClient, createTestAccount, fund, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

type Json = Record<string, unknown>;
type Page = { status: number; body: Json };
/** Fetches one page: `cursor` undefined for the first. */
type Fetch = (limit: number, cursor?: string) => Promise<Page>;

/** Six groups of three rows: equal times within a group, groups microseconds apart (same ms). */
const instant = (i: number) => `2026-01-01T00:00:00.000${String(Math.floor(i / 3)).padStart(3, '0')}Z`;
const N = 18;

function getter(apiKey: string, path: string, member: string): [Fetch, string] {
  const call = apiClient(stack.url, apiKey);
  const sep = path.includes('?') ? '&' : '?';
  return [
    (limit, cursor) =>
      call('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    member,
  ];
}

/** Walks every page of `limit` items; checks each page's has_more / next_cursor as it goes. */
async function walk(fetchPage: Fetch, member: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await fetchPage(limit, cursor);
    expect(page.status).toBe(200);
    const items = page.body[member] as Json[];
    expect(items.length).toBeLessThanOrEqual(limit);
    ids.push(...items.map((x) => String(x.id)));
    expect(page.body.has_more).toBe(page.body.next_cursor !== null);
    if (!page.body.has_more) {
      expect(page.body.next_cursor).toBeNull();
      return ids;
    }
    expect(items).toHaveLength(limit);
    cursor = String(page.body.next_cursor);
  }
  throw new Error('more than 100 pages');
}

/** The walk with limit 4 equals the order of one big page, and holds exactly the seeded ids. */
async function expectWalkCoversAll(fetchPage: Fetch, member: string, seeded: string[]) {
  const whole = await fetchPage(100);
  expect(whole.status).toBe(200);
  expect(whole.body).toMatchObject({ has_more: false, next_cursor: null });
  const reference = (whole.body[member] as Json[]).map((x) => String(x.id));
  const walked = await walk(fetchPage, member, 4);
  expect(walked).toEqual(reference);
  expect(new Set(walked).size).toBe(walked.length);
  expect([...walked].sort()).toEqual([...seeded].sort());
  return walked;
}

const uuidDesc = (a: { id: string; at: string }, b: { id: string; at: string }) =>
  a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1;

async function seedRentals(renter: TestAccount): Promise<{ id: string; at: string }[]> {
  const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
  const rows = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), at: instant(i) }));
  for (const r of rows)
    await stack.db.query(
      `INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, minutes, price_per_minute, starts_at, ends_at)
       VALUES ($1, $2, $3, $4, $3, 'ended', 5, 1000000, $5, $5::timestamptz + interval '5 minutes')`,
      [r.id, r.id.slice(0, 8), bot.id, renter.id, r.at],
    );
  return rows;
}

describe('every list pages with limit and an opaque cursor', () => {
  it('rentals: every rental once, newest first, ties in one microsecond kept apart by id', async () => {
    const renter = await createTestAccount(stack.db);
    const rows = await seedRentals(renter);
    const walked = await expectWalkCoversAll(
      ...getter(renter.apiKey, '/api/rentals', 'rentals'),
      rows.map((r) => r.id),
    );
    expect(walked).toEqual([...rows].sort(uuidDesc).map((r) => r.id));
  });

  it('rental messages: every message once, in transcript order; no limit and no cursor is the whole transcript', async () => {
    const renter = await createTestAccount(stack.db);
    const [rental] = await seedRentals(renter);
    const ids: string[] = [];
    for (let seq = 1; seq <= N; seq++) {
      const id = randomUUID();
      ids.push(id);
      await stack.db.query(
        `INSERT INTO rental_messages (id, rental_id, seq, sender_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, rental.id, seq, renter.id, `m${seq}`, instant(0)],
      );
    }
    const path = `/api/rentals/${rental.id}/messages`;
    const walked = await expectWalkCoversAll(...getter(renter.apiKey, path, 'messages'), ids);
    expect(walked).toEqual(ids);
    const whole = await apiClient(stack.url, renter.apiKey)('GET', path);
    expect(whole.body).toMatchObject({ has_more: false, next_cursor: null });
    expect((whole.body.messages as Json[]).map((m) => m.id)).toEqual(ids);
  });

  it('API keys: every key once, newest first', async () => {
    const me = await createTestAccount(stack.db);
    const first = await stack.db.query<{ id: string; at: string }>(
      `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
         FROM api_keys WHERE account_id = $1`,
      [me.id],
    );
    const rows = [...first.rows];
    for (let i = 0; i < N; i++) {
      const id = randomUUID();
      rows.push({ id, at: instant(i) });
      await stack.db.query(
        `INSERT INTO api_keys (id, account_id, key_hash, key_prefix, created_at) VALUES ($1, $2, $3, 'rr_live_x', $4)`,
        [id, me.id, randomBytes(16).toString('hex'), instant(i)],
      );
    }
    const walked = await expectWalkCoversAll(
      ...getter(me.apiKey, '/api/v1/keys', 'keys'),
      rows.map((r) => r.id),
    );
    expect(walked).toEqual([...rows].sort(uuidDesc).map((r) => r.id));
  });

  it('transactions: every journal once, newest first', async () => {
    const me = await createTestAccount(stack.db);
    for (let i = 0; i < 9; i++) await fund(stack.db, me.id, i + 1);
    const journals = await stack.db.query<{ id: string }>(
      `SELECT DISTINCT e.journal_id AS id FROM ledger_entries e JOIN ledger_accounts la ON la.id = e.ledger_account_id
        WHERE la.owner_id = $1`,
      [me.id],
    );
    await expectWalkCoversAll(
      ...getter(me.apiKey, '/api/v1/finance/transactions', 'transactions'),
      journals.rows.map((r) => r.id),
    );
  });

  it('deposits: every deposit once, newest first, also when several share a transaction', async () => {
    const me = await createTestAccount(stack.db);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const txid =
        i % 2 ? `${'ab'.repeat(31)}${String(i).padStart(2, '0')}` : randomBytes(32).toString('hex');
      ids.push(`${txid}-${i}`);
      await stack.db.query(
        `INSERT INTO deposits (txid, log_index, account_id, address, from_address, amount, block_number, created_at)
         VALUES ($1, $2, $3, 'Tdeposit', 'Tsender', 1000000, 1, $4)`,
        [txid, i, me.id, instant(i)],
      );
    }
    await expectWalkCoversAll(...getter(me.apiKey, '/api/v1/finance/deposits', 'deposits'), ids);
  });

  it('webhook deliveries: every delivery once, newest first', async () => {
    const me = await createTestAccount(stack.db);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const id = randomUUID();
      ids.push(id);
      await stack.db.query(
        `INSERT INTO webhook_deliveries (id, event_key, account_id, policy, event, subject, body, state, created_at)
         VALUES ($1::uuid, $1::text, $2, 'task_events', 'webhook_test', 'test', '{}', 'delivered', $3)`,
        [id, me.id, instant(i)],
      );
    }
    const walked = await expectWalkCoversAll(
      ...getter(me.apiKey, '/api/v1/webhooks/deliveries', 'deliveries'),
      ids,
    );
    expect(walked).toEqual([...ids].reverse());
  });

  it('task search: every matching open task once, newest first (cursor in the POST body)', async () => {
    const me = await createTestAccount(stack.db);
    const token = `pg${randomUUID().slice(0, 8)}`;
    const rows = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), at: instant(i) }));
    for (const r of rows)
      await stack.db.query(
        `INSERT INTO tasks (id, creator_id, title, description, category, reward, slots, created_at)
         VALUES ($1, $2, $3, 'paged', 'social', 1000000, 1, $4)`,
        [r.id, me.id, `task ${token}`, r.at],
      );
    const call = apiClient(stack.url, me.apiKey);
    const search: Fetch = (limit, cursor) =>
      call('POST', '/api/v1/agent/tasks/search', { query: token, limit: Math.min(limit, 50), cursor });
    const walked = await expectWalkCoversAll(
      search,
      'tasks',
      rows.map((r) => r.id),
    );
    expect(walked).toEqual([...rows].sort(uuidDesc).map((r) => r.id));
  });

  it.each(['newest', 'price_asc', 'price_desc'])(
    'marketplace agents sorted by %s: every agent once, agents without a price last',
    async (sort) => {
      const viewer = await createTestAccount(stack.db);
      const token = `pg${randomUUID().slice(0, 8)}`;
      const ids: string[] = [];
      for (let i = 0; i < N; i++) {
        const bot = await createTestAccount(stack.db, {
          kind: 'bot',
          name: `${token}-${i}`,
          pricePerMinute: i % 4 === 0 ? undefined : (i % 3) + 1,
          createdAt: new Date(instant(i)),
        });
        ids.push(bot.id);
      }
      const walked = await expectWalkCoversAll(
        ...getter(viewer.apiKey, `/api/agents?q=${token}&sort=${sort}`, 'agents'),
        ids,
      );
      if (sort !== 'newest') {
        const priced = await apiClient(stack.url)('GET', `/api/agents?q=${token}&sort=${sort}&limit=100`);
        const prices = (priced.body.agents as Json[]).map((a) => a.price_per_minute);
        expect(prices.slice(-5)).toEqual([null, null, null, null, null]);
        expect(walked).toHaveLength(N);
      }
    },
  );

  it('reconciler repairs (admin): every repair once, newest first', async () => {
    const owner = await createTestAccount(stack.db);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const id = randomUUID();
      ids.push(id);
      await stack.db.query(
        `INSERT INTO reconciler_repairs (id, idempotency_key, ledger_account_id, account_id, purpose, subject, amount,
                                         owner_workflow_id, owner_state, created_at)
         VALUES ($1::uuid, $1::text, 1, $2, 'held', 'withdrawal:x', 1, 'withdrawal-x', 'missing', $3)`,
        [id, owner.id, instant(i)],
      );
    }
    await expectWalkCoversAll(...getter(TEST_ADMIN_KEY, '/api/v1/admin/reconciler/repairs', 'repairs'), ids);
  });
});

describe('a cursor no page of the list handed out is a 400 invalid_cursor', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  it.each([
    ['not base64url', '!!!'],
    ['base64url of no JSON', Buffer.from('not json').toString('base64url')],
    ['a key of the wrong shape', b64(['rentals', 1, 2])],
    ['a key with extra members', b64(['rentals', '2026-01-01T00:00:00.000000Z', randomUUID(), 3])],
    ['the cursor of another list', encodeCursor('keys', ['2026-01-01T00:00:00.000000Z', randomUUID()])],
    ['an over-long cursor', 'A'.repeat(5000)],
  ])('%s', async (_what, cursor) => {
    const me = await createTestAccount(stack.db);
    const r = await apiClient(stack.url, me.apiKey)(
      'GET',
      `/api/rentals?cursor=${encodeURIComponent(cursor)}`,
    );
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'cursor: not a cursor returned by a previous page of this list',
      code: 'invalid_cursor',
    });
  });

  it.each([
    ['/api/v1/keys'],
    ['/api/v1/finance/transactions'],
    ['/api/v1/finance/deposits'],
    ['/api/v1/webhooks/deliveries'],
    ['/api/agents'],
  ])('%s refuses a tampered cursor', async (path) => {
    const me = await createTestAccount(stack.db);
    const r = await apiClient(stack.url, me.apiKey)('GET', `${path}?cursor=${b64(['rentals', 'x', 'y'])}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('a cursor of one marketplace sort is refused by another', async () => {
    const cursor = encodeCursor('agents:newest', ['2026-01-01T00:00:00.000000Z', randomUUID()]);
    const r = await apiClient(stack.url)('GET', `/api/agents?sort=price_asc&cursor=${cursor}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('task search refuses a tampered cursor in its body', async () => {
    const me = await createTestAccount(stack.db);
    const r = await apiClient(stack.url, me.apiKey)('POST', '/api/v1/agent/tasks/search', { cursor: 'x' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('a rental transcript refuses the cursor of another rental', async () => {
    const renter = await createTestAccount(stack.db);
    const [a, b] = await seedRentals(renter);
    const cursor = encodeCursor(`messages:${a.id}`, [1]);
    const r = await apiClient(stack.url, renter.apiKey)(
      'GET',
      `/api/rentals/${b.id}/messages?cursor=${cursor}`,
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('a limit above the maximum (100) is a 400 naming limit', async () => {
    const me = await createTestAccount(stack.db);
    const r = await apiClient(stack.url, me.apiKey)('GET', '/api/rentals?limit=101');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'limit: must be at most 100' });
  });
});
