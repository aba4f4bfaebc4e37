/**
 * The event feed (issue 23.4) on the real stack: `GET /api/agents/me/events`, its acknowledgement
 * (`POST /api/agents/me/events/ack`, or asking again with the cursor), and `pending` handing out
 * notifications that stay unread until acknowledged — so a response lost on the way loses nothing.
 * Notifications are written with SQL, as their producers do: the feed is filled by the database.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { apiClient, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import type { Queryable } from '../../db/pool';

type Json = Record<string, unknown>;
interface FeedEvent {
  id: string;
  type: string;
  created_at: string;
  data: Json;
}
interface FeedPage {
  events: FeedEvent[];
  next_cursor: string;
  has_more: boolean;
}
interface PendingBody {
  notifications: Array<{ id: string; type: string; data: Json }>;
  next_cursor: string;
}
interface ErrorBody {
  error: string;
  code: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const forged = (...key: unknown[]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

describe('event feed', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  beforeAll(async () => {
    stack = await startStack();
    agent = await startAgentReceiver(() => ({ body: { ok: true } }));
  });
  afterAll(async () => {
    await agent?.close();
    await stack?.stop();
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  const bot = () => createTestAccount(stack.db, { kind: 'bot' });

  /** A notification written the way every producer writes one; its id. */
  async function notify(db: Queryable, account: TestAccount, content: string): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO notifications (id, account_id, type, title, body, link, data)
       VALUES ($1, $2, 'direct_message', 'New message', $3, NULL, $4)`,
      [id, account.id, content, JSON.stringify({ content })],
    );
    return id;
  }
  const feed = (who: TestAccount, after?: string, limit?: number) => {
    const q = new URLSearchParams();
    if (after !== undefined) q.set('after', after);
    if (limit !== undefined) q.set('limit', String(limit));
    return as(who)<FeedPage>('GET', `/api/agents/me/events?${q}`);
  };
  const pending = (who: TestAccount, after?: string) =>
    as(who)<PendingBody>('GET', `/api/agents/me/pending${after === undefined ? '' : `?after=${after}`}`);
  const unreadCount = async (who: TestAccount) =>
    Number(
      (
        await stack.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM notifications WHERE account_id = $1 AND read_at IS NULL',
          [who.id],
        )
      ).rows[0].n,
    );

  /**
   * Sends a GET and drops the answer on the floor once its status line arrived (the handler has
   * run and written it): the client never reads the body, as after a timeout or a proxy reset.
   */
  function dropResponse(who: TestAccount, path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${stack.url}${path}`, { headers: { 'X-API-Key': who.apiKey } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('lists every notification of the account in the order written, with their ids and payloads', async () => {
    const me = await bot();
    const ids = [await notify(stack.db, me, 'one'), await notify(stack.db, me, 'two')];
    const shown = await pending(me);
    const page = await feed(me);
    expect(page.status).toBe(200);
    expect(page.body.events.map((e) => e.id)).toEqual(ids);
    expect(page.body.has_more).toBe(false);
    // The feed's data is the notification object pending shows (and a webhook's payload.data).
    expect(page.body.events.map((e) => e.data)).toEqual(shown.body.notifications);
    expect(page.body.events[0]).toMatchObject({ type: 'direct_message', data: { body: 'one' } });
  });

  it('lists a webhook event with the id and data of the payload its endpoint received', async () => {
    const me = await bot();
    expect((await as(me)('PUT', '/api/v1/webhooks/endpoint', { url: agent.url })).status).toBe(200);
    expect((await as(me)('POST', '/api/v1/webhooks/test', {})).status).toBe(202);
    const received = () =>
      agent.requests
        .map((r) => r.body as { event: string; data: Json & { user_id: string } })
        .filter((b) => b.event === 'webhook_test' && b.data.user_id === me.id);
    for (let i = 0; i < 100 && received().length === 0; i++) await sleep(100);
    const [payload] = received();
    const page = await feed(me);
    expect(page.body.events).toEqual([
      { id: payload.data.id, type: 'webhook_test', created_at: expect.any(String), data: payload.data },
    ]);
  });

  it('pages by cursor without gaps or repeats, and says where to continue on the last page', async () => {
    const me = await bot();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await notify(stack.db, me, `n${i}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    const pages: boolean[] = [];
    for (;;) {
      const page = await feed(me, cursor, 2);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e) => e.id));
      pages.push(page.body.has_more);
      cursor = page.body.next_cursor;
      if (!page.body.has_more) break;
    }
    expect(seen).toEqual(ids);
    expect(pages).toEqual([true, true, false]);
    const later = await notify(stack.db, me, 'later');
    expect((await feed(me, cursor)).body.events.map((e) => e.id)).toEqual([later]);
  });

  it('keeps pending notifications unread until acknowledged: the same ones come again without a cursor', async () => {
    const me = await bot();
    const ids = [await notify(stack.db, me, 'a'), await notify(stack.db, me, 'b')];
    const first = await pending(me);
    const again = await pending(me);
    expect(first.body.notifications.map((n) => n.id)).toEqual(ids);
    expect(again.body.notifications.map((n) => n.id)).toEqual(ids);
    expect(await unreadCount(me)).toBe(2);
    const ack = await as(me)<{ acknowledged: number }>('POST', '/api/agents/me/events/ack', {
      up_to: first.body.next_cursor,
    });
    expect(ack).toMatchObject({ status: 200, body: { acknowledged: 2 } });
    expect((await pending(me)).body.notifications).toEqual([]);
    expect(await unreadCount(me)).toBe(0);
  });

  it('hands out every notification exactly once to a poller whose pending response was dropped', async () => {
    const me = await bot();
    const early = [await notify(stack.db, me, 'e1'), await notify(stack.db, me, 'e2')];
    const got: string[] = [];
    const first = await pending(me);
    got.push(...first.body.notifications.map((n) => n.id));
    const late = [await notify(stack.db, me, 'l1'), await notify(stack.db, me, 'l2')];
    // The poll that acknowledges `first` and carries l1, l2 never reaches the bot.
    expect(await dropResponse(me, `/api/agents/me/pending?after=${first.body.next_cursor}`)).toBe(200);
    // The bot polls again with the cursor it holds.
    const retry = await pending(me, first.body.next_cursor);
    got.push(...retry.body.notifications.map((n) => n.id));
    const next = await pending(me, retry.body.next_cursor);
    got.push(...next.body.notifications.map((n) => n.id));
    expect(got).toEqual([...early, ...late]);
  });

  it('hands out every event exactly once to a feed reader whose response was dropped', async () => {
    const me = await bot();
    const early = [await notify(stack.db, me, 'e1')];
    const first = await feed(me);
    const late = [await notify(stack.db, me, 'l1'), await notify(stack.db, me, 'l2')];
    expect(await dropResponse(me, `/api/agents/me/events?after=${first.body.next_cursor}`)).toBe(200);
    const retry = await feed(me, first.body.next_cursor);
    // Asking with a cursor acknowledged what came before it (e1), and nothing it handed out.
    expect(await unreadCount(me)).toBe(2);
    const next = await feed(me, retry.body.next_cursor);
    expect([...first.body.events, ...retry.body.events, ...next.body.events].map((e) => e.id)).toEqual([
      ...early,
      ...late,
    ]);
    expect(await unreadCount(me)).toBe(0);
  });

  it('never skips an event whose transaction commits after a later one started', async () => {
    const me = await bot();
    const start = (await feed(me)).body.next_cursor;
    const a = await stack.db.connect();
    const b = await stack.db.connect();
    try {
      await a.query('BEGIN');
      const lateId = await notify(a, me, 'written first, committed late');
      await b.query('BEGIN');
      const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let bSettled = false;
      let earlyId = '';
      const bDone = notify(b, me, 'written second').then(async (id) => {
        earlyId = id;
        await b.query('COMMIT');
        bSettled = true;
      });
      // B has either committed (a sequence would allow that) or waits for A's account lock.
      const bWaits = async () =>
        (
          await stack.db.query<{ w: string | null }>(
            'SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1',
            [bPid],
          )
        ).rows[0]?.w === 'Lock';
      for (let i = 0; i < 200 && !bSettled && !(await bWaits()); i++) await sleep(25);
      expect(bSettled || (await bWaits())).toBe(true);
      // While A is open a reader sees neither, so its cursor cannot pass A's event.
      const during = await feed(me, start);
      expect(during.body.events).toEqual([]);
      await a.query('COMMIT');
      await bDone;
      const after = await feed(me, during.body.next_cursor);
      expect(after.body.events.map((e) => e.id)).toEqual([lateId, earlyId]);
    } finally {
      a.release();
      b.release();
    }
  });

  it('gives a poller racing many concurrent writers every event once, in one order', async () => {
    const me = await bot();
    const written: string[] = [];
    const writers = Array.from({ length: 24 }, async (_, i) => {
      const c = await stack.db.connect();
      try {
        await c.query('BEGIN');
        const id = await notify(c, me, `w${i}`);
        // Uneven commit delays, so transactions that started later often commit first.
        await sleep((i % 4) * 15);
        await c.query('COMMIT');
        written.push(id);
      } finally {
        c.release();
      }
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    const allWritten = Promise.all(writers);
    let done = false;
    void allWritten.then(() => (done = true));
    for (let i = 0; i < 2000; i++) {
      const wasDone = done;
      const page = await feed(me, cursor);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e) => e.id));
      cursor = page.body.next_cursor;
      if (wasDone && !page.body.has_more) break;
    }
    await allWritten;
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...written].sort());
    // The order a reader saw is the feed's one order: a fresh read from the start agrees.
    expect((await feed(me, undefined, 100)).body.events.map((e) => e.id)).toEqual(seen);
  });

  describe('bad input changes nothing', () => {
    let me: TestAccount;
    let other: TestAccount;
    let otherCursor: string;
    beforeAll(async () => {
      me = await bot();
      other = await bot();
      await notify(stack.db, me, 'kept unread');
      await notify(stack.db, other, 'theirs');
      otherCursor = (await pending(other)).body.next_cursor;
    });
    afterEach(async () => {
      expect(await unreadCount(me)).toBe(1);
    });

    const badCursors: Array<[string, () => string]> = [
      ['garbage', () => 'not a cursor'],
      ['another list’s cursor', () => forged('tasks', '2026-01-01T00:00:00.000000Z', randomUUID())],
      ['another account’s cursor', () => otherCursor],
      ['a position the feed has not reached', () => forged('events', me.id, 999)],
      ['a negative position', () => forged('events', me.id, -1)],
      ['a fractional position', () => forged('events', me.id, 0.5)],
    ];

    it.each(badCursors)('GET events with %s → 400 invalid_cursor', async (_, cursor) => {
      const res = await as(me)<ErrorBody>(
        'GET',
        `/api/agents/me/events?after=${encodeURIComponent(cursor())}`,
      );
      expect(res).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
    });
    it.each(badCursors)('GET pending with %s → 400 invalid_cursor', async (_, cursor) => {
      const res = await as(me)<ErrorBody>(
        'GET',
        `/api/agents/me/pending?after=${encodeURIComponent(cursor())}`,
      );
      expect(res).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
    });
    it.each(badCursors)('POST events/ack with %s → 400 invalid_cursor', async (_, cursor) => {
      const res = await as(me)<ErrorBody>('POST', '/api/agents/me/events/ack', { up_to: cursor() });
      expect(res).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
    });

    it.each([
      ['a NUL', `after=${encodeURIComponent('abc\u0000')}`],
      ['an overlong cursor', `after=${'A'.repeat(1025)}`],
      ['two cursors', 'after=a&after=b'],
      ['an empty cursor', 'after='],
      ['limit 0', 'limit=0'],
      ['limit 101', 'limit=101'],
      ['limit not a number', 'limit=ten'],
    ])('GET events with %s → 400 with a code', async (_, query) => {
      const res = await as(me)<ErrorBody>('GET', `/api/agents/me/events?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toEqual(expect.any(String));
    });
    it.each([
      ['a NUL', `after=${encodeURIComponent('abc\u0000')}`],
      ['an overlong cursor', `after=${'A'.repeat(1025)}`],
      ['two cursors', 'after=a&after=b'],
    ])('GET pending with %s → 400 with a code', async (_, query) => {
      const res = await as(me)<ErrorBody>('GET', `/api/agents/me/pending?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toEqual(expect.any(String));
    });
    it.each([
      ['no up_to', {}],
      ['a number', { up_to: 3 }],
      ['null', { up_to: null }],
      ['a NUL', { up_to: 'abc\u0000' }],
      ['an overlong cursor', { up_to: 'A'.repeat(1025) }],
      ['an empty cursor', { up_to: '' }],
    ])('POST events/ack with %s → 400 with a code', async (_, body) => {
      const res = await as(me)<ErrorBody>('POST', '/api/agents/me/events/ack', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toEqual(expect.any(String));
    });
    it('refuses the feed without credentials', async () => {
      expect((await apiClient(stack.url)('GET', '/api/agents/me/events')).status).toBe(401);
      expect((await apiClient(stack.url)('POST', '/api/agents/me/events/ack', { up_to: 'x' })).status).toBe(
        401,
      );
    });
  });

  it('serves the same feed and acknowledgement through the MCP tools list_events and ack_events', async () => {
    const me = await bot();
    const id = await notify(stack.db, me, 'over MCP');
    let rpc = 0;
    const tool = async (name: string, args: Json) => {
      const res = await fetch(`${stack.url}/api/v1/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': me.apiKey },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++rpc,
          method: 'tools/call',
          params: { name, arguments: args },
        }),
      });
      return ((await res.json()) as { result: { isError?: boolean; structuredContent: Json } }).result;
    };
    const listed = await tool('list_events', {});
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent.events as FeedEvent[]).map((e) => e.id)).toEqual([id]);
    expect((await tool('ack_events', { up_to: 'garbage' })).isError).toBe(true);
    expect(await unreadCount(me)).toBe(1);
    const acked = await tool('ack_events', { up_to: listed.structuredContent.next_cursor });
    expect(acked.structuredContent).toMatchObject({ acknowledged: 1 });
    expect(await unreadCount(me)).toBe(0);
  });
});
