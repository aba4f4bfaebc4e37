/**
 * The renter and bot rental API on the real stack (API, worker, Postgres, Temporal dev server):
 * start, transcript, polling, extend, end, authorization, and the races around the end.
 */
import { randomUUID } from 'node:crypto';
import { balanceOf } from '../../db/ledger';
import { deterministicUuid } from '../../domain/ids';
import { toMicro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import { rentalWorkflowId } from '../../workflows/rental/contract';
import { rentalStatusQuery } from '../../workflows/rental/contract';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  type TestAccount,
} from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

interface RentalBody {
  id: string;
  code: string;
  status: string;
  minutes: number;
  ends_at: string;
  starts_at: string;
  ended_at: string | null;
  ended_by: string | null;
  billed_minutes: number | null;
  refund: number | null;
  settled: boolean;
}
interface MessageBody {
  id: string;
  rental_id: string;
  sender_id: string;
  sender_username: string;
  content: string;
  created_at: string;
}

describe('rental API', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function parties(opts: { price?: number; renterUsdt?: number } = {}) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      ownerId: owner.id,
      pricePerMinute: opts.price ?? 0.25,
    });
    const renter = await createFundedAccount(stack.db, opts.renterUsdt ?? 50);
    return { owner, bot, renter };
  }
  const as = (a: TestAccount | string) => apiClient(stack.url, typeof a === 'string' ? a : a.apiKey);

  async function rent(renter: TestAccount, bot: TestAccount, minutes = 30) {
    const res = await as(renter)<RentalBody>('POST', '/api/rentals', { agent_id: bot.id, minutes });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('starts a rental: holds price × minutes and answers with id, code, status active and the times', async () => {
    const { bot, renter, owner } = await parties({ price: 0.25 });
    const res = await as(renter)<RentalBody & Record<string, unknown>>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 30,
      channel: 'Slack',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      agent_id: bot.id,
      bot_id: bot.id,
      renter_id: renter.id,
      owner_id: owner.id,
      status: 'active',
      minutes: 30,
      channel: 'Slack',
      price_per_minute: 0.25,
      total_cost: 7.5,
    });
    expect(res.body.code).toBe(res.body.id.replace(/-/g, '').slice(0, 8));
    expect(Date.parse(res.body.ends_at) - Date.parse(res.body.starts_at)).toBe(30 * 60_000);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(42.5));
    expect(
      await balanceOf(stack.db, { ownerId: renter.id, purpose: 'escrow', subject: `rental:${res.body.id}` }),
    ).toBe(toMicro(7.5));
    const listed = await as(renter)<{ rentals: RentalBody[] }>('GET', '/api/rentals');
    expect(listed.body.rentals.map((r) => r.id)).toContain(res.body.id);
    const seenByBot = await as(bot)<RentalBody>('GET', `/api/rentals/${res.body.id}`);
    expect(seenByBot.status).toBe(200);
    await assertLedgerConsistent(stack.db);
  });

  it('refuses unknown agents (404), unpriced or own agents (409), a short balance (402) and bad input (400), holding nothing', async () => {
    const { bot, renter, owner } = await parties({ renterUsdt: 1 });
    const unpriced = await createTestAccount(stack.db, { kind: 'bot' });
    const cases: Array<[TestAccount, unknown, number, RegExp]> = [
      [renter, { agent_id: renter.id, minutes: 5 }, 404, /agent not found/],
      [renter, { agent_id: '6f1c1b5e-9f57-4c1e-9a55-1f7f2b7d0c11', minutes: 5 }, 404, /agent not found/],
      [renter, { agent_id: unpriced.id, minutes: 5 }, 409, /not rentable/],
      [owner, { agent_id: bot.id, minutes: 5 }, 409, /own agent/],
      [renter, { agent_id: bot.id, minutes: 10 }, 402, /insufficient balance/],
      [renter, { agent_id: bot.id, minutes: 0 }, 400, /^minutes: /],
      [renter, { agent_id: bot.id, minutes: 1.5 }, 400, /^minutes: /],
      [renter, { agent_id: 'nope', minutes: 5 }, 400, /^agent_id: /],
      [renter, { agent_id: bot.id, minutes: 5, channel: 'Fax' }, 400, /^channel: /],
    ];
    for (const [who, body, status, error] of cases) {
      const res = await as(who)<{ error: string }>('POST', '/api/rentals', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body.error).toMatch(error);
    }
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(1));
    const rows = await stack.db.query('SELECT 1 FROM rentals WHERE renter_id = $1', [renter.id]);
    expect(rows.rowCount).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('shows a start refused for a short balance as a Failed run with BusinessStatus refused', async () => {
    const { bot, renter } = await parties({ renterUsdt: 1 });
    const key = randomUUID();
    const res = await as(renter)<{ code: string }>(
      'POST',
      '/api/rentals',
      { agent_id: bot.id, minutes: 10 },
      {
        'Idempotency-Key': key,
      },
    );
    expect(res.status).toBe(402);
    const id = rentalWorkflowId(deterministicUuid(renter.id, 'rentals.create', key));
    const described = await stack.client.workflow.getHandle(id).describe();
    expect(described.status.name).toBe('FAILED');
    expect(described.typedSearchAttributes.get(SA.BusinessStatus)).toBe('refused');
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, id, 'rental-refused-short-balance');
  });

  it('keeps the transcript in order for renter, bot and owner, and hands the bot each unread message once', async () => {
    const { bot, renter, owner } = await parties();
    const rental = await rent(renter, bot);
    const posted = await as(renter)<MessageBody>('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'Summarize this paper',
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      rental_id: rental.id,
      sender_id: renter.id,
      sender_username: renter.username,
      content: 'Summarize this paper',
    });

    const pending = await as(bot)<{
      active_rentals: Array<Record<string, unknown>>;
      unread_messages: MessageBody[];
      pending_service_orders: unknown[];
      notifications: Array<{ type: string; data: { rental_id: string } }>;
    }>('GET', '/api/agents/me/pending');
    expect(pending.status).toBe(200);
    expect(pending.body.active_rentals).toEqual([
      expect.objectContaining({
        id: rental.id,
        bot_id: bot.id,
        renter_id: renter.id,
        renter_username: renter.username,
        status: 'active',
        starts_at: rental.starts_at,
        ends_at: rental.ends_at,
      }),
    ]);
    expect(pending.body.active_rentals[0].time_remaining_seconds).toBeGreaterThan(29 * 60);
    expect(pending.body.unread_messages.map((m) => m.content)).toEqual(['Summarize this paper']);
    expect(pending.body.pending_service_orders).toEqual([]);
    // A polling bot hears every event as a notification (issue 15), the message too.
    expect(pending.body.notifications).toEqual([
      expect.objectContaining({
        type: 'rental_request',
        data: expect.objectContaining({ rental_id: rental.id }),
      }),
      expect.objectContaining({
        type: 'rental_message',
        data: expect.objectContaining({ rental_id: rental.id, content: 'Summarize this paper' }),
      }),
    ]);
    const again = await as(bot)<{ unread_messages: unknown[] }>('GET', '/api/agents/me/pending');
    expect(again.body.unread_messages).toEqual([]);

    await as(bot)('POST', `/api/rentals/${rental.id}/messages`, { content: 'Summary: …' });
    await as(owner)('POST', `/api/rentals/${rental.id}/messages`, { content: 'owner here' });
    for (const reader of [renter, bot, owner]) {
      const t = await as(reader)<{ messages: MessageBody[] }>('GET', `/api/rentals/${rental.id}/messages`);
      expect(t.status).toBe(200);
      expect(t.body.messages.map((m) => [m.sender_id, m.content])).toEqual([
        [renter.id, 'Summarize this paper'],
        [bot.id, 'Summary: …'],
        [owner.id, 'owner here'],
      ]);
      expect(Object.keys(t.body.messages[0]).sort()).toEqual(
        ['content', 'created_at', 'id', 'rental_id', 'sender_id', 'sender_username'].sort(),
      );
    }
    const tooLong = await as(renter)<{ error: string }>('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'x'.repeat(2001),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatch(/^content: /);
  });

  it('lets only the renter, bot and owner see or touch a rental: others get 404 and change nothing', async () => {
    const { bot, renter } = await parties();
    const rental = await rent(renter, bot);
    const stranger = await createFundedAccount(stack.db, 50);
    const otherBot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    for (const who of [stranger, otherBot]) {
      const calls: Array<[string, string, unknown?]> = [
        ['GET', `/api/rentals/${rental.id}`],
        ['GET', `/api/rentals/${rental.id}/messages`],
        ['POST', `/api/rentals/${rental.id}/messages`, { content: 'hi' }],
        ['POST', `/api/rentals/${rental.id}/extend`, { minutes: 5 }],
        ['POST', `/api/rentals/${rental.id}/end`, {}],
      ];
      for (const [method, path, body] of calls) {
        const res = await as(who)<{ error: string }>(method, path, body);
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 404,
          body: { error: 'rental not found', code: 'rental_not_found' },
        });
      }
    }
    // The bot takes part but may not buy time for the renter, nor end a rental it does not own.
    expect((await as(bot)('POST', `/api/rentals/${rental.id}/extend`, { minutes: 5 })).status).toBe(403);
    expect((await as(bot)('POST', `/api/rentals/${rental.id}/end`, {})).status).toBe(403);
    const after = await as(renter)<RentalBody & { messages?: unknown }>('GET', `/api/rentals/${rental.id}`);
    expect(after.body).toMatchObject({ status: 'active', minutes: 30 });
    const transcript = await as(renter)<{ messages: unknown[] }>('GET', `/api/rentals/${rental.id}/messages`);
    expect(transcript.body.messages).toEqual([]);
    expect(await availableMicro(stack.db, stranger.id)).toBe(toMicro(50));
  });

  it('extends and ends early through the API, settles exactly, then refuses posts with 400 rental ended', async () => {
    const { bot, renter, owner } = await parties({ price: 0.25 });
    const rental = await rent(renter, bot, 30);
    await as(renter)('POST', `/api/rentals/${rental.id}/messages`, { content: 'first task' });
    const extended = await as(renter)<RentalBody>('POST', `/api/rentals/${rental.id}/extend`, {
      minutes: 15,
    });
    expect(extended.status).toBe(200);
    expect(extended.body.minutes).toBe(45);
    expect(Date.parse(extended.body.ends_at) - Date.parse(rental.ends_at)).toBe(15 * 60_000);

    const ended = await as(renter)<RentalBody>('POST', `/api/rentals/${rental.id}/end`, { reason: 'done' });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({
      status: 'ended',
      ended_by: 'renter',
      settled: true,
      billed_minutes: 1,
    });
    expect(ended.body.refund).toBe(11); // 44 unused minutes × 0.25
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50 - 0.25));
    expect(await availableMicro(stack.db, owner.id)).toBe(toMicro(0.225));

    const late = await as(renter)('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'one more thing',
    });
    expect(late).toMatchObject({ status: 400, body: { error: 'rental ended' } });
    const lateBot = await as(bot)('POST', `/api/rentals/${rental.id}/messages`, { content: 'bye' });
    expect(lateBot).toMatchObject({ status: 400, body: { error: 'rental ended' } });
    const endAgain = await as(renter)('POST', `/api/rentals/${rental.id}/end`, {});
    expect(endAgain.status).toBe(409);
    const pending = await as(bot)<{ active_rentals: unknown[] }>('GET', '/api/agents/me/pending');
    expect(pending.body.active_rentals).toEqual([]);
    await assertLedgerConsistent(stack.db);
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-extend-early-end');
    // The same lifecycle started as one workflow task (input oneTaskStart, no patch markers).
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-one-task-start');
  });

  // Several rounds: the race also reaches a Temporal SDK fault, an update the worker drops
  // (rejected by the server as UnprocessedUpdate), which the API asks again (api/workflow-updates.ts).
  it.each([1, 2, 3, 4, 5, 6])(
    'a message racing the end is stored before the end or refused, never stored after it (round %i)',
    async () => {
      const { bot, renter } = await parties();
      const rental = await rent(renter, bot);
      const posts = Array.from({ length: 12 }, (_, i) =>
        as(i % 2 ? bot : renter)<MessageBody | { error: string }>(
          'POST',
          `/api/rentals/${rental.id}/messages`,
          {
            content: `m${i}`,
          },
        ),
      );
      const end = as(renter)<RentalBody>('POST', `/api/rentals/${rental.id}/end`, {});
      const results = await Promise.all(posts);
      const ended = await end;
      expect(ended.status).toBe(200);
      for (const r of results) {
        expect([201, 400]).toContain(r.status);
        if (r.status === 400) expect(r.body).toEqual({ error: 'rental ended', code: 'rental_ended' });
      }
      const transcript = await as(renter)<{ messages: MessageBody[] }>(
        'GET',
        `/api/rentals/${rental.id}/messages`,
      );
      const storedIds = new Set(transcript.body.messages.map((m) => m.id));
      const accepted = results.filter((r) => r.status === 201).map((r) => (r.body as MessageBody).id);
      expect(new Set(accepted)).toEqual(storedIds);
      const endedAt = Date.parse(ended.body.ended_at!);
      for (const m of transcript.body.messages) expect(Date.parse(m.created_at)).toBeLessThanOrEqual(endedAt);
    },
  );

  it('an operator force-ends any rental with the admin key', async () => {
    const { bot, renter } = await parties({ price: 0.25 });
    const rental = await rent(renter, bot, 20);
    const res = await as(TEST_ADMIN_KEY)<RentalBody>('POST', `/api/rentals/${rental.id}/end`, {
      reason: 'abuse',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ended',
      ended_by: 'operator',
      billed_minutes: 1,
      refund: 4.75,
    });
    const view = await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).query(rentalStatusQuery);
    expect(view).toMatchObject({ endedBy: 'operator', reason: 'abuse', settled: true });
    await assertLedgerConsistent(stack.db);
  });

  it('records an operator’s force-end in the audit the console shows', async () => {
    const { bot, renter } = await parties({ price: 0.25 });
    const rental = await rent(renter, bot, 20);

    await as(TEST_ADMIN_KEY)('POST', `/api/rentals/${rental.id}/end`, { reason: 'abuse reported' });

    const audit = await as(TEST_ADMIN_KEY)<{ audit: Array<Record<string, unknown>> }>(
      'GET',
      '/api/v1/admin/audit?limit=100',
    );
    expect(audit.body.audit.filter((a) => a.subject_id === rental.id)).toEqual([
      expect.objectContaining({
        action: 'rental.end',
        reason: 'abuse reported',
        actor: 'admin key',
        outcome: 'applied',
      }),
    ]);
  });
});
