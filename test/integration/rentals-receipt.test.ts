/**
 * `GET /api/rentals/{id}/receipt` on the real stack: a settled rental's minutes, refund, cost,
 * transcript hash and escrow postings for the renter and the bot's owner; everyone else, bad ids
 * and unsettled rentals are refused with a code.
 */
import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { toMicro } from '../../domain/money';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { callTool } from '../harness/mcp-call';
import { type Stack, startStack } from '../harness/stack';

interface Receipt {
  rental_id: string;
  paid_minutes: number;
  billed_minutes: number;
  unavailable_minutes: number;
  refund: number;
  total_cost: number;
  ended_by: string | null;
  ended_reason: string | null;
  minutes: Array<{ minute: number; state: string }>;
  transcript_sha256: string;
  postings: Array<{ journal_id: string; kind: string; idempotency_key: string; escrow_change: number }>;
}
interface ErrorBody {
  error: string;
  code: string;
}
interface Message {
  id: string;
  sender_id: string;
  content: string;
  created_at: string;
}

const PRICE = 0.25;

describe('rental receipt', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);

  async function rented(minutes = 10) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: PRICE });
    const renter = await createFundedAccount(stack.db, 20);
    const res = await as(renter)<{ id: string }>('POST', '/api/rentals', { agent_id: bot.id, minutes });
    expect(res.status).toBe(201);
    return { owner, bot, renter, rentalId: res.body.id };
  }

  it('after an early end, the renter and the bot’s owner read the same receipt: minutes, refund, cost, transcript hash and escrow postings', async () => {
    const { owner, bot, renter, rentalId } = await rented(10);
    await as(renter)('POST', `/api/rentals/${rentalId}/messages`, { content: 'hello' });
    await as(bot)('POST', `/api/rentals/${rentalId}/messages`, { content: 'hi, how can I help?' });
    expect((await as(renter)('POST', `/api/rentals/${rentalId}/end`, {})).status).toBe(200);

    const res = await as(renter)<Receipt>('GET', `/api/rentals/${rentalId}/receipt`);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({
      rental_id: rentalId,
      paid_minutes: 10,
      billed_minutes: 1,
      unavailable_minutes: 0,
      refund: 9 * PRICE,
      total_cost: PRICE,
      ended_by: 'renter',
      ended_reason: null,
    });
    expect(r.minutes).toEqual([
      { minute: 1, state: 'available' },
      ...Array.from({ length: 9 }, (_, i) => ({ minute: i + 2, state: 'unused' })),
    ]);
    const transcript = await as(renter)<{ messages: Message[] }>('GET', `/api/rentals/${rentalId}/messages`);
    const canonical = JSON.stringify(
      transcript.body.messages.map((m) => [m.id, m.sender_id, m.content, m.created_at]),
    );
    expect(r.transcript_sha256).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    const byKind = [...r.postings].sort((a, b) => a.kind.localeCompare(b.kind));
    expect(byKind.map((p) => [p.kind, p.idempotency_key, p.escrow_change])).toEqual([
      ['rental_hold', `rental-hold:${rentalId}`, 10 * PRICE],
      ['rental_refund', `rental-refund:${rentalId}`, -9 * PRICE],
      ['rental_settlement', `rental-settlement:${rentalId}`, -PRICE],
    ]);
    // Every cent held left the escrow again.
    expect(toMicro(r.postings.reduce((sum, p) => sum + p.escrow_change, 0))).toBe(0);
    expect((await as(owner)<Receipt>('GET', `/api/rentals/${rentalId}/receipt`)).body).toEqual(r);
  });

  it('refuses bad receipt requests with a code: a non-uuid or NUL id (400), a stranger or an unknown rental (404), the owned bot (403), a rental not settled yet (409)', async () => {
    const { bot, renter, rentalId } = await rented(10);
    const stranger = await createTestAccount(stack.db);
    const cases: Array<[TestAccount, string, number, string]> = [
      [renter, 'not-a-uuid', 400, 'validation'],
      [renter, `${rentalId}%00`, 400, 'validation'],
      [renter, 'x'.repeat(300), 400, 'validation'],
      [stranger, rentalId, 404, 'rental_not_found'],
      [renter, randomUUID(), 404, 'rental_not_found'],
      [bot, rentalId, 403, 'rental_receipt_not_allowed'],
      [renter, rentalId, 409, 'rental_not_settled'],
    ];
    for (const [who, id, status, code] of cases) {
      const res = await as(who)<ErrorBody>('GET', `/api/rentals/${id}/receipt`);
      expect({ id, status: res.status, code: res.body.code }).toEqual({ id, status, code });
    }
    await as(renter)('POST', `/api/rentals/${rentalId}/end`, {});
  });

  it('get_rental_receipt over MCP answers the renter and the bot’s owner with exactly the REST receipt', async () => {
    const { owner, renter, rentalId } = await rented(10);
    expect((await as(renter)('POST', `/api/rentals/${rentalId}/end`, {})).status).toBe(200);
    const rest = await as(renter)<Receipt>('GET', `/api/rentals/${rentalId}/receipt`);
    expect(rest.status).toBe(200);

    for (const who of [renter, owner]) {
      const res = await callTool(stack.url, who.apiKey, 'get_rental_receipt', { rental_id: rentalId });
      expect(res.isError).toBeFalsy();
      expect(res.structuredContent).toEqual(rest.body);
    }
  });

  it('get_rental_receipt refuses as REST does: bad ids 400, a stranger or unknown rental 404, the owned bot 403, unsettled 409', async () => {
    const { bot, renter, rentalId } = await rented(10);
    const stranger = await createTestAccount(stack.db);
    const cases: Array<[TestAccount, Record<string, unknown>, number, string]> = [
      [renter, { rental_id: 'not-a-uuid' }, 400, 'validation'],
      [renter, { rental_id: `${rentalId}\u0000` }, 400, 'validation'],
      [renter, { rental_id: 'x'.repeat(300) }, 400, 'validation'],
      [renter, { rental_id: 42 }, 400, 'validation'],
      [renter, {}, 400, 'validation'],
      [stranger, { rental_id: rentalId }, 404, 'rental_not_found'],
      [renter, { rental_id: randomUUID() }, 404, 'rental_not_found'],
      [bot, { rental_id: rentalId }, 403, 'rental_receipt_not_allowed'],
      [renter, { rental_id: rentalId }, 409, 'rental_not_settled'],
    ];
    for (const [who, args, status, code] of cases) {
      const res = await callTool(stack.url, who.apiKey, 'get_rental_receipt', args);
      expect({
        args,
        isError: res.isError,
        status: res.structuredContent.status,
        code: res.structuredContent.code,
      }).toEqual({
        args,
        isError: true,
        status,
        code,
      });
    }
    await as(renter)('POST', `/api/rentals/${rentalId}/end`, {});
  });
});
