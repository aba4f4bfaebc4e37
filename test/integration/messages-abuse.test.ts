/**
 * Issue 24.2: direct messages are no longer free and unthrottled once two accounts shared a
 * rental. A sender flooding one recipient, or many, is stopped at its hourly limits whichever API
 * process it talks to (429 `rate_limited` + Retry-After, nothing stored), and a recipient can block
 * a sender (403 `dm_blocked`) and lift the block. Before, every message below was stored.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { callTool } from '../harness/mcp-call';
import { type Stack, startPeerApi, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
const PER_PAIR = 3;
const PER_SENDER = 5;

describe('direct message limits and blocks', () => {
  let stack: Stack;
  let peer: Awaited<ReturnType<typeof startPeerApi>>;
  beforeAll(async () => {
    stack = await startStack({
      config: {
        RATE_LIMIT_DM_PER_PAIR_PER_HOUR: String(PER_PAIR),
        RATE_LIMIT_DM_PER_SENDER_PER_HOUR: String(PER_SENDER),
      },
    });
    peer = await startPeerApi(stack);
  });
  afterAll(async () => {
    await peer?.close();
    await stack?.stop();
  });

  const as = (a: TestAccount, viaPeer = false) => apiClient(viaPeer ? peer.url : stack.url, a.apiKey);

  /** A renter linked (by one rental) to a bot and that bot's owner. */
  async function parties() {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.1 });
    const renter = await createFundedAccount(stack.db, 10);
    const rental = await as(renter)('POST', '/api/rentals', { agent_id: bot.id, minutes: 10 });
    expect(rental.status).toBe(201);
    return { owner, bot, renter };
  }
  const send = (from: TestAccount, to: TestAccount, i: number) =>
    as(from, i % 2 === 1)<Json>('POST', '/api/v1/messages', { to: to.id, content: `message ${i}` });
  const stored = async (from: TestAccount) =>
    (
      await stack.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM direct_messages WHERE sender_id = $1',
        [from.id],
      )
    ).rows[0].n;

  it('a sender flooding one recipient through two API processes is stopped at the per-pair limit (429, nothing stored)', async () => {
    const { bot, renter } = await parties();
    const results = [];
    for (let i = 0; i < PER_PAIR + 2; i++) results.push(await send(renter, bot, i));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 429, 429]);
    expect(results[3].body.code).toBe('rate_limited');
    expect(Number(results[3].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await stored(renter)).toBe(PER_PAIR);
  });

  it('a sender spreading messages over recipients is stopped at the per-sender limit', async () => {
    const { owner, bot, renter } = await parties();
    for (let i = 0; i < PER_PAIR; i++) expect((await send(renter, bot, i)).status).toBe(201);
    for (let i = 0; i < PER_SENDER - PER_PAIR; i++) expect((await send(renter, owner, i)).status).toBe(201);
    const over = await send(renter, owner, 9);
    expect(over.status).toBe(429);
    expect(String(over.body.error)).toContain('per sender');
    expect(await stored(renter)).toBe(PER_SENDER);
    // The recipients' own budgets are untouched: a reply goes through.
    expect((await send(owner, renter, 0)).status).toBe(201);
  });

  it('a blocked sender gets 403 dm_blocked and stores nothing; after the block is lifted it may write again', async () => {
    const { bot, renter } = await parties();
    const block = await as(bot)<Json>('POST', `/api/v1/messages/blocks/${renter.id}`);
    expect(block.status).toBe(200);
    expect(block.body).toMatchObject({ account_id: renter.id, blocked: true });
    const again = await as(bot)<Json>('POST', `/api/v1/messages/blocks/${renter.id}`);
    expect(again.body.since).toBe(block.body.since);

    const refused = await send(renter, bot, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'the recipient has blocked direct messages from you',
      code: 'dm_blocked',
    });
    expect(await stored(renter)).toBe(0);
    // The block is one-way: the blocker may still write.
    expect((await send(bot, renter, 0)).status).toBe(201);

    const lifted = await as(bot)<Json>('DELETE', `/api/v1/messages/blocks/${renter.id}`);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ account_id: renter.id, blocked: false, since: null });
    expect((await send(renter, bot, 2)).status).toBe(201);
  });

  it('refuses to block yourself (400 dm_block_self), an unknown account (404), and lifting a block that is not there (404)', async () => {
    const me = await createTestAccount(stack.db);
    const self = await as(me)<Json>('POST', `/api/v1/messages/blocks/${me.id}`);
    expect(self.status).toBe(400);
    expect(self.body.code).toBe('dm_block_self');
    const unknown = await as(me)<Json>('POST', `/api/v1/messages/blocks/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    const none = await as(me)<Json>(
      'DELETE',
      `/api/v1/messages/blocks/${(await createTestAccount(stack.db)).id}`,
    );
    expect(none.status).toBe(404);
  });

  it('answers 400 with a code for a non-uuid, NUL, overlong or numeric account id, and changes nothing', async () => {
    const me = await createTestAccount(stack.db);
    for (const method of ['POST', 'DELETE']) {
      for (const bad of ['not-a-uuid', '%00', `${randomUUID()}${'a'.repeat(300)}`, '12345']) {
        const res = await as(me)<Json>(method, `/api/v1/messages/blocks/${bad}`);
        expect({ method, bad: bad.slice(0, 12), status: res.status }).toEqual({
          method,
          bad: bad.slice(0, 12),
          status: 400,
        });
        expect(res.body.code).toBe('validation');
      }
    }
    const rows = await stack.db.query('SELECT 1 FROM dm_blocks WHERE blocker_id = $1', [me.id]);
    expect(rows.rowCount).toBe(0);
  });

  describe('over MCP (block_sender, unblock_sender)', () => {
    const tool = (who: TestAccount, name: string, args: Json) => callTool(stack.url, who.apiKey, name, args);

    it('block_sender stops the sender (403 dm_blocked, nothing stored) and unblock_sender lets it write again', async () => {
      const { bot, renter } = await parties();
      const block = await tool(bot, 'block_sender', { account_id: renter.id });
      expect(block.isError).toBeFalsy();
      expect(block.structuredContent).toMatchObject({ account_id: renter.id, blocked: true });
      const again = await tool(bot, 'block_sender', { account_id: renter.id });
      expect(again.structuredContent.since).toBe(block.structuredContent.since);

      const refused = await send(renter, bot, 0);
      expect([refused.status, refused.body.code]).toEqual([403, 'dm_blocked']);
      expect(await stored(renter)).toBe(0);

      const lifted = await tool(bot, 'unblock_sender', { account_id: renter.id });
      expect(lifted.isError).toBeFalsy();
      expect(lifted.structuredContent).toEqual({ account_id: renter.id, blocked: false, since: null });
      expect((await send(renter, bot, 2)).status).toBe(201);
    });

    it('answers with the REST status and code: yourself 400 dm_block_self, an unknown account 404, no block to lift 404', async () => {
      const me = await createTestAccount(stack.db);
      const other = await createTestAccount(stack.db);
      const cases: Array<[string, string, number, string]> = [
        ['block_sender', me.id, 400, 'dm_block_self'],
        ['block_sender', randomUUID(), 404, 'not_found'],
        ['unblock_sender', other.id, 404, 'not_found'],
      ];
      for (const [name, account_id, status, code] of cases) {
        const res = await tool(me, name, { account_id });
        expect({ name, isError: res.isError, status: res.structuredContent.status }).toEqual({
          name,
          isError: true,
          status,
        });
        expect(res.structuredContent.code).toBe(code);
      }
    });

    it('refuses a non-uuid, NUL, overlong, numeric, missing or extra argument with 400 validation, and blocks nobody', async () => {
      const me = await createTestAccount(stack.db);
      const other = await createTestAccount(stack.db);
      const bad: Json[] = [
        { account_id: 'not-a-uuid' },
        { account_id: `${other.id}\u0000` },
        { account_id: `${other.id}${'a'.repeat(300)}` },
        { account_id: 12345 },
        {},
        { account_id: other.id, reason: 'spam' },
      ];
      for (const name of ['block_sender', 'unblock_sender']) {
        for (const args of bad) {
          const res = await tool(me, name, args);
          expect({ name, args, isError: res.isError, status: res.structuredContent.status }).toEqual({
            name,
            args,
            isError: true,
            status: 400,
          });
          expect(res.structuredContent.code).toBe('validation');
        }
      }
      const rows = await stack.db.query('SELECT 1 FROM dm_blocks WHERE blocker_id = $1', [me.id]);
      expect(rows.rowCount).toBe(0);
    });
  });
});
