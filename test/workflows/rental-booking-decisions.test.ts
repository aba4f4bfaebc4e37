/**
 * What the rental workflow decides for a rental booked ahead (issue 25), on the time-skipping
 * server with stub activities: scheduled with the money held, reminded 10 minutes before, active
 * at `starts_at` by its timer, or cancelled before it with the whole hold back.
 */
import { type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { rentalStubs, startStubWorker, type StubWorker } from '../harness/stub-worker';
import {
  cancelRentalUpdate,
  endRentalUpdate,
  extendRentalUpdate,
  postRentalMessageUpdate,
  rentalStartOptions,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  rentalReservedUpdate,
  rentalStatusQuery,
  type RentalWorkflow,
} from '../../workflows/rental/contract';

const PRICE = 500_000; // micro-USDT per minute
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The business code a failed update carries (details), else its type. */
function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure) {
      const detail = e.details?.[0] as { code?: string } | undefined;
      return detail?.code ?? e.type ?? String(e);
    }
  return String(err);
}

describe('rental booked ahead: workflow decisions (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker(
      rentalStubs({
        async reserveRental() {
          return { agentPushesEvents: true };
        },
        async storeRentalMessage() {
          throw ApplicationFailure.nonRetryable('no messages in these tests', 'UNSTUBBED');
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  interface Rental {
    input: RentalInput;
    id: string;
    handle: WorkflowHandle<RentalWorkflow>;
    startsAtMs: number;
  }

  /** Books `minutes` starting `aheadMs` from the test server's now; answers once the hold is posted. */
  async function book(minutes: number, aheadMs: number, bookedAhead = true): Promise<Rental> {
    const startsAtMs = (await w.env.currentTimeMs()) + aheadMs;
    const input: RentalInput = {
      rentalId: randomUUID(),
      agentId: `bot-${randomUUID()}`,
      agentName: 'bot',
      renterId: `renter-${randomUUID()}`,
      renterUsername: 'renter',
      ownerId: `owner-${randomUUID()}`,
      minutes,
      pricePerMinute: PRICE,
      channel: 'API',
      holdFunds: true,
      oneTaskStart: true,
      eventsEnabled: false,
      ...(bookedAhead ? { bookedAhead, startsAtMs } : {}),
    };
    const options = rentalStartOptions(input, w.taskQueue);
    const handle = await w.env.client.workflow.start<RentalWorkflow>(RENTAL_WORKFLOW_TYPE, options);
    await handle.executeUpdate(rentalReservedUpdate);
    return { input, id: options.workflowId, handle, startsAtMs };
  }

  const events = (r: Rental) => w.calls(r.id, 'deliverRentalEvent').map((c) => c.input.event);
  const cancel = (r: Rental, byAccountId: string) =>
    r.handle.executeUpdate(cancelRentalUpdate, { args: [{ byAccountId }] });
  const escrow = (r: Rental) => ({
    ownerId: r.input.renterId,
    purpose: 'escrow',
    subject: `rental:${r.input.rentalId}`,
  });

  it('when booked, then the hold writes a scheduled row and the agent is told rental_scheduled', async () => {
    const r = await book(30, 2 * HOUR);
    const [reserve] = w.calls(r.id, 'reserveRental');
    expect(reserve.input.rental).toMatchObject({
      status: 'scheduled',
      startsAtMs: r.startsAtMs,
      minutes: 30,
    });
    expect(reserve.input.rental.endsAtMs).toBe(r.startsAtMs + 30 * MINUTE);
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'scheduled' });
    expect(events(r)).toEqual(['rental_scheduled']);
    await cancel(r, r.input.renterId);
  });

  it('when the bot takes no pushed events, then rental_scheduled is not routed again (its notification came with the row)', async () => {
    w.on('reserveRental', async () => ({ agentPushesEvents: false }));
    const r = await book(30, 2 * HOUR);
    expect(events(r)).toEqual([]);
    await cancel(r, r.input.renterId);
  });

  it('when 10 minutes are left before the start, then the agent is reminded once and the rental is still scheduled', async () => {
    const r = await book(30, 2 * HOUR);
    await w.env.sleep(2 * HOUR - 9 * MINUTE);
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'scheduled' });
    expect(events(r)).toEqual(['rental_scheduled', 'rental_reminder']);
    const [reminder] = w.calls(r.id, 'deliverRentalEvent').filter((c) => c.input.event === 'rental_reminder');
    expect(reminder.input.eventKey).toBe(`rental:${r.input.rentalId}:reminder`);
    await cancel(r, r.input.renterId);
  });

  it('when starts_at comes, then the rental is active and its minutes count from starts_at', async () => {
    const r = await book(20, HOUR);
    await w.env.sleep(HOUR + MINUTE);
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'active' });
    expect(w.calls(r.id, 'recordRentalState')[0].input.status).toBe('active');
    const final = await r.handle.result();
    expect(final).toMatchObject({ status: 'ended', endedBy: 'clock', settled: true });
    expect(Date.parse(final.startsAt)).toBe(r.startsAtMs);
    expect(Date.parse(final.endedAt!)).toBe(r.startsAtMs + 20 * MINUTE);
    expect(w.calls(r.id, 'payEarner').map((c) => c.input.gross)).toEqual([20 * PRICE]);
    expect(events(r)).toEqual([
      'rental_scheduled',
      'rental_reminder',
      'rental_request',
      'rental_ending_soon',
      'rental_ended',
    ]);
  });

  it('when the renter cancels before the start, then the whole hold goes back in one keyed posting and the owner is paid nothing', async () => {
    const r = await book(30, HOUR);
    const view = await cancel(r, r.input.renterId);
    expect(view).toMatchObject({ status: 'ended', endedBy: 'renter', settled: true });
    expect(view.settlement).toEqual({ billedMinutes: 0, ownerGross: 0, refund: 30 * PRICE });
    expect(w.calls(r.id, 'postLedger').map((c) => c.input)).toEqual([
      {
        idempotencyKey: `rental-cancel:${r.input.rentalId}`,
        kind: 'rental_refund',
        reference: `rental:${r.input.rentalId}`,
        memo: { minutes: 30, cancelled: true },
        lines: [
          { account: escrow(r), amount: -30 * PRICE },
          { account: { ownerId: r.input.renterId, purpose: 'available' }, amount: 30 * PRICE },
        ],
      },
    ]);
    expect(w.calls(r.id, 'payEarner')).toHaveLength(0);
    expect(await r.handle.result()).toMatchObject({ status: 'ended', endedBy: 'renter' });
  });

  it('when the renter cancels, then the agent is told rental_cancelled and the renter gets no notice', async () => {
    const r = await book(30, HOUR);
    await cancel(r, r.input.renterId);
    await r.handle.result();
    const calls = w.calls(r.id, 'deliverRentalEvent');
    expect(calls.map((c) => [c.input.event, c.input.accountId])).toEqual([
      ['rental_scheduled', r.input.agentId],
      ['rental_cancelled', r.input.agentId],
    ]);
  });

  it("when the bot's owner cancels, then the renter is notified too", async () => {
    const r = await book(30, HOUR);
    const view = await cancel(r, r.input.ownerId);
    expect(view).toMatchObject({ endedBy: 'owner' });
    await r.handle.result();
    const toRenter = w
      .calls(r.id, 'deliverRentalEvent')
      .filter((c) => c.input.accountId === r.input.renterId);
    expect(toRenter.map((c) => [c.input.event, c.input.eventKey, c.input.notifyIfPolling])).toEqual([
      ['rental_cancelled', `rental:${r.input.rentalId}:cancelled:renter`, true],
    ]);
  });

  it('when a cancel comes after the start, then it is refused with rental_already_started and nothing is refunded', async () => {
    const r = await book(10, 5 * MINUTE);
    await w.env.sleep(6 * MINUTE);
    expect(codeOf(await cancel(r, r.input.renterId).catch((e: unknown) => e))).toBe('rental_already_started');
    expect(w.calls(r.id, 'postLedger')).toHaveLength(0);
    await r.handle.result();
  });

  it('when someone else (or the bot of an owned agent) cancels, then it is refused and the rental stays scheduled', async () => {
    const r = await book(10, HOUR);
    expect(codeOf(await cancel(r, 'stranger').catch((e: unknown) => e))).toBe('rental_not_found');
    expect(codeOf(await cancel(r, r.input.agentId).catch((e: unknown) => e))).toBe(
      'rental_cancel_not_allowed',
    );
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'scheduled' });
    await cancel(r, r.input.renterId);
  });

  it('when ended, extended or written to before the start, then each is refused with rental_not_started', async () => {
    const r = await book(10, HOUR);
    const refusals = await Promise.all([
      r.handle
        .executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] })
        .catch((e: unknown) => e),
      r.handle
        .executeUpdate(extendRentalUpdate, {
          args: [{ minutes: 5, byAccountId: r.input.renterId, requestId: randomUUID() }],
        })
        .catch((e: unknown) => e),
      r.handle
        .executeUpdate(postRentalMessageUpdate, { args: [{ senderId: r.input.renterId, content: 'hi' }] })
        .catch((e: unknown) => e),
    ]);
    expect(refusals.map(codeOf)).toEqual(['rental_not_started', 'rental_not_started', 'rental_not_started']);
    await cancel(r, r.input.renterId);
  });

  it('when a rental that was never booked ahead is cancelled, then it is refused with rental_already_started at once', async () => {
    const r = await book(10, 0, false);
    expect(codeOf(await cancel(r, r.input.renterId).catch((e: unknown) => e))).toBe('rental_already_started');
    expect(w.calls(r.id, 'postLedger')).toHaveLength(0);
    await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] });
  });
});
