/**
 * Rentals booked ahead on the real stack (API, worker, Postgres, Temporal dev server): a booking
 * holds the price at once and is `scheduled`; the Rentr API refuses it before the start; a cancel
 * before the start gives the whole price back; at `starts_at` it becomes active; bad `starts_at`
 * values and bad cancels are refused with a code and change nothing.
 */
import { toMicro } from '../../domain/money';
import { rentalStatusQuery, rentalWorkflowId } from '../../workflows/rental/contract';
import { rentrCall } from '../clients/rentr-fixtures';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  type TestAccount,
} from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';

interface RentalBody {
  id: string;
  code: string;
  status: string;
  minutes: number;
  starts_at: string;
  ends_at: string;
  ended_by: string | null;
  billed_minutes: number | null;
  refund: number | null;
  settled: boolean;
  time_remaining_seconds: number;
}
interface ErrorBody {
  error: string;
  code: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PRICE = 0.25;
const PRICE_MICRO = 250_000;

describe('rentals booked ahead', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function parties(renterUsdt = 50) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: PRICE });
    const renter = await createFundedAccount(stack.db, renterUsdt);
    return { owner, bot, renter };
  }
  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

  async function book(renter: TestAccount, bot: TestAccount, startsAt: string, minutes = 30) {
    const res = await as(renter)<RentalBody>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes,
      starts_at: startsAt,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('books ahead: holds price × minutes at once and answers a scheduled rental starting at starts_at', async () => {
    const { bot, renter } = await parties();
    const startsAt = new Date(Math.floor((Date.now() + 2 * HOUR) / 1000) * 1000).toISOString();
    const rental = await book(renter, bot, startsAt);
    expect(rental).toMatchObject({ status: 'scheduled', minutes: 30, starts_at: startsAt, settled: false });
    expect(Date.parse(rental.ends_at) - Date.parse(startsAt)).toBe(30 * MINUTE);
    expect(rental.time_remaining_seconds).toBe(30 * 60);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50)! - 30 * PRICE_MICRO);
    const listed = await as(renter)<{ rentals: RentalBody[] }>('GET', '/api/rentals?status=scheduled');
    expect(listed.body.rentals.map((r) => r.id)).toEqual([rental.id]);
    await as(renter)('POST', `/api/rentals/${rental.id}/cancel`, {});
  });

  it('before the start, /v1/chat and /v1/status answer 403 Rental not active and the transcript refuses posts', async () => {
    const { bot, renter } = await parties();
    const rental = await book(renter, bot, inFuture(HOUR));
    const rentr = rentrCall(stack, rental.code);
    const chat = await rentr<ErrorBody>('POST', '/v1/chat', { message: 'hello?' });
    expect([chat.status, chat.body.error]).toEqual([403, 'Rental not active']);
    expect((await rentr('GET', '/v1/status')).status).toBe(403);
    const post = await as(renter)<ErrorBody>('POST', `/api/rentals/${rental.id}/messages`, { content: 'hi' });
    expect([post.status, post.body.code]).toEqual([409, 'rental_not_started']);
    const end = await as(renter)<ErrorBody>('POST', `/api/rentals/${rental.id}/end`, {});
    expect([end.status, end.body.code]).toEqual([409, 'rental_not_started']);
    await as(renter)('POST', `/api/rentals/${rental.id}/cancel`, {});
  });

  it('the renter cancels before the start: the whole price comes back once and the rental ends settled with nothing billed', async () => {
    const { owner, bot, renter } = await parties();
    const rental = await book(renter, bot, inFuture(HOUR));
    const res = await as(renter)<RentalBody>('POST', `/api/rentals/${rental.id}/cancel`, {
      reason: 'plans changed',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ended',
      ended_by: 'renter',
      settled: true,
      billed_minutes: 0,
      refund: 30 * PRICE,
    });
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50));
    expect(await availableMicro(stack.db, owner.id)).toBe(0);
    const again = await as(renter)<ErrorBody>('POST', `/api/rentals/${rental.id}/cancel`, {});
    expect([again.status, again.body.code]).toEqual([409, 'rental_already_ended']);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50));
    await assertLedgerConsistent(stack.db);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-booked-cancelled');
  });

  it("the bot's owner cancels before the start: the renter is refunded and notified", async () => {
    const { owner, bot, renter } = await parties();
    const rental = await book(renter, bot, inFuture(HOUR));
    const res = await as(owner)<RentalBody>('POST', `/api/rentals/${rental.id}/cancel`, {});
    expect(res.body).toMatchObject({ status: 'ended', ended_by: 'owner', refund: 30 * PRICE });
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50));
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    const notes = await stack.db.query<{ title: string }>(
      `SELECT title FROM notifications WHERE account_id = $1 AND type = 'rental_cancelled'`,
      [renter.id],
    );
    expect(notes.rows.map((n) => n.title)).toEqual(['Rental cancelled']);
  });

  it('refuses a bad starts_at with 400 and a code, holding nothing', async () => {
    const { bot, renter } = await parties(20);
    const cases: Array<[unknown, string]> = [
      ['tomorrow at two', 'validation'],
      ['2026-13-45T99:00:00Z', 'validation'],
      [new Date(Date.now() - HOUR).toISOString(), 'rental_starts_at_too_soon'],
      [new Date(Date.now() + 10_000).toISOString(), 'rental_starts_at_too_soon'],
      [new Date(Date.now() + 31 * DAY).toISOString(), 'rental_starts_at_too_far'],
      [`${inFuture(HOUR)}\u0000`, 'validation'],
      [Date.now() + HOUR, 'validation'],
      [null, 'validation'],
      [{ at: inFuture(HOUR) }, 'validation'],
      ['x'.repeat(5000), 'validation'],
    ];
    for (const [startsAt, code] of cases) {
      const res = await as(renter)<ErrorBody>('POST', '/api/rentals', {
        agent_id: bot.id,
        minutes: 5,
        starts_at: startsAt,
      });
      expect({ startsAt, status: res.status, code: res.body.code }).toEqual({ startsAt, status: 400, code });
    }
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(20));
    const rows = await stack.db.query('SELECT 1 FROM rentals WHERE renter_id = $1', [renter.id]);
    expect(rows.rowCount).toBe(0);
  });

  it('refuses bad cancels: a non-uuid id (400), a stranger (404), the bot (403), a bad reason (400), a started rental (409)', async () => {
    const { bot, renter } = await parties();
    const stranger = await createTestAccount(stack.db);
    const booked = await book(renter, bot, inFuture(HOUR));
    const now = await as(renter)<RentalBody>('POST', '/api/rentals', { agent_id: bot.id, minutes: 5 });
    const cases: Array<[TestAccount, string, unknown, number, string]> = [
      [renter, 'not-a-uuid', {}, 400, 'validation'],
      [renter, `${booked.id}\u0000`, {}, 400, 'validation'],
      [stranger, booked.id, {}, 404, 'rental_not_found'],
      [bot, booked.id, {}, 403, 'rental_cancel_not_allowed'],
      [renter, booked.id, { reason: 42 }, 400, 'validation'],
      [renter, booked.id, { reason: 'a\u0000b' }, 400, 'validation'],
      [renter, booked.id, { reason: 'x'.repeat(501) }, 400, 'validation'],
      [renter, booked.id, { other: 1 }, 400, 'validation'],
      [renter, now.body.id, {}, 409, 'rental_already_started'],
    ];
    for (const [who, id, body, status, code] of cases) {
      const res = await as(who)<ErrorBody>('POST', `/api/rentals/${encodeURIComponent(id)}/cancel`, body);
      expect({ id, body, status: res.status, code: res.body.code }).toEqual({ id, body, status, code });
    }
    const still = await stack.client.workflow.getHandle(rentalWorkflowId(booked.id)).query(rentalStatusQuery);
    expect(still.status).toBe('scheduled');
    await as(renter)('POST', `/api/rentals/${booked.id}/cancel`, {});
    await as(renter)('POST', `/api/rentals/${now.body.id}/end`, {});
    await assertLedgerConsistent(stack.db);
  });

  it('at starts_at the rental becomes active by its timer: the Rentr API answers and the minutes count from then', async () => {
    const { owner, bot, renter } = await parties();
    const startsAt = new Date(Math.ceil((Date.now() + 62_000) / 1000) * 1000).toISOString();
    const rental = await book(renter, bot, startsAt, 10);
    const handle = stack.client.workflow.getHandle(rentalWorkflowId(rental.id));
    for (let i = 0; i < 180 && (await handle.query(rentalStatusQuery)).status === 'scheduled'; i++)
      await new Promise((r) => setTimeout(r, 1000));
    expect((await handle.query(rentalStatusQuery)).status).toBe('active');
    expect((await rentrCall(stack, rental.code)('GET', '/v1/status')).status).toBe(200);
    const cancel = await as(renter)<ErrorBody>('POST', `/api/rentals/${rental.id}/cancel`, {});
    expect([cancel.status, cancel.body.code]).toEqual([409, 'rental_already_started']);
    const ended = await as(renter)<RentalBody>('POST', `/api/rentals/${rental.id}/end`, {});
    // Minutes count from starts_at: at least one is billed, the rest of the ten come back.
    const billed = ended.body.billed_minutes ?? 0;
    expect(billed).toBeGreaterThanOrEqual(1);
    expect(ended.body).toMatchObject({ status: 'ended', starts_at: startsAt, refund: (10 - billed) * PRICE });
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(50)! - billed * PRICE_MICRO);
    expect(await availableMicro(stack.db, owner.id)).toBeGreaterThan(0);
    await assertLedgerConsistent(stack.db);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-booked-started');
  }, 240_000);
});
