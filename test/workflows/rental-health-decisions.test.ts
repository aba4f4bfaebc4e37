/**
 * Health-gated billing (issue 25.3) on the time-skipping server with stub activities: the rental
 * checks its proxy agent once a minute, and the settlement leaves out the started minutes the agent
 * was demonstrably unavailable for. The stub store keeps each observation at the test server's
 * clock (as Postgres keeps `observed_at`), and the settlement's read applies the production rule
 * (domain/rental-availability.ts) to it, as activities/rental-health.ts does.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { type AgentObservation, unavailableMinutes } from '../../domain/rental-availability';
import { maybeRecordHistory } from '../harness/record';
import { rentalStubs, startStubWorker, type StubWorker } from '../harness/stub-worker';
import {
  endRentalUpdate,
  extendRentalUpdate,
  rentalStartOptions,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  type RentalView,
  type RentalWorkflow,
} from '../../workflows/rental/contract';

const PRICE = 500_000; // micro-USDT per minute

describe('rental health-gated billing decisions (stub activities)', () => {
  let w: StubWorker;
  /** rentalId → what the checks (and the API's failed relays) stored. */
  const observed = new Map<string, AgentObservation[]>();
  /** rentalId → whether the agent answers its health check in a given minute. */
  const healthy = new Map<string, (minute: number) => boolean>();

  async function observe(rentalId: string, ok: boolean): Promise<void> {
    const list = observed.get(rentalId) ?? [];
    observed.set(rentalId, list);
    list.push({ atMs: await w.env.currentTimeMs(), ok });
  }

  beforeAll(async () => {
    w = await startStubWorker(
      rentalStubs({
        async reserveRental() {
          return { agentPushesEvents: false };
        },
        async checkRentalAgent(c) {
          const answers = healthy.get(c.rentalId);
          if (!answers) return { proxy: false };
          const ok = answers(c.minute);
          await observe(c.rentalId, ok);
          return { proxy: true, ok };
        },
        async rentalUnavailableMinutes(q) {
          return unavailableMinutes(q, observed.get(q.rentalId) ?? []);
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
    firstRunId: string;
  }

  async function startRental(
    minutes: number,
    answers?: (minute: number) => boolean,
    over: Partial<RentalInput> = {},
  ): Promise<Rental> {
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
      ...over,
    };
    if (answers) healthy.set(input.rentalId, answers);
    const options = rentalStartOptions(input, w.taskQueue);
    const handle = await w.env.client.workflow.start<RentalWorkflow>(RENTAL_WORKFLOW_TYPE, options);
    return { input, id: options.workflowId, handle, firstRunId: handle.firstExecutionRunId };
  }

  const refundsOf = (r: Rental) =>
    w.calls(r.id, 'postLedger').filter((c) => c.input.kind === 'rental_refund');
  const settledRow = (r: Rental) => w.calls(r.id, 'recordRentalState').at(-1)!.input.ended;
  /** What left the rental's escrow at the settlement: the owner's gross and the refund. */
  const escrowOut = (r: Rental) =>
    w.calls(r.id, 'payEarner').reduce((sum, c) => sum + c.input.gross, 0) +
    refundsOf(r).reduce((sum, c) => sum + (c.input.lines[1]?.amount ?? 0), 0);
  const checkedMinutes = (r: Rental) => w.calls(r.id, 'checkRentalAgent').map((c) => c.input.minute);

  it('when the agent fails every health check of the rental, then nothing is billed and the whole hold is refunded under the refund key', async () => {
    const r = await startRental(5, () => false);
    const final: RentalView = await r.handle.result();
    expect(final.settlement).toEqual({
      billedMinutes: 0,
      ownerGross: 0,
      refund: 5 * PRICE,
      unavailableMinutes: [1, 2, 3, 4, 5],
    });
    // Nothing to pay the owner: no settlement posting; the refund posting carries the whole hold.
    expect(w.calls(r.id, 'payEarner')).toEqual([]);
    expect(refundsOf(r).map((c) => [c.input.idempotencyKey, c.input.lines[1]])).toEqual([
      [
        `rental-refund:${r.input.rentalId}`,
        { account: { ownerId: r.input.renterId, purpose: 'available' }, amount: 5 * PRICE },
      ],
    ]);
    expect(escrowOut(r)).toBe(5 * PRICE);
    expect(settledRow(r)).toMatchObject({
      billedMinutes: 0,
      refund: 5 * PRICE,
      unavailableMinutes: [1, 2, 3, 4, 5],
    });
  });

  it('when the agent fails the checks of minutes 2 and 3 only, then those two minutes are refunded and the rest billed', async () => {
    const r = await startRental(5, (minute) => minute !== 2 && minute !== 3);
    const final = await r.handle.result();
    expect(final.settlement).toEqual({
      billedMinutes: 3,
      ownerGross: 3 * PRICE,
      refund: 2 * PRICE,
      unavailableMinutes: [2, 3],
    });
    expect(w.calls(r.id, 'payEarner').map((c) => [c.input.idempotencyKey, c.input.gross])).toEqual([
      [`rental-settlement:${r.input.rentalId}`, 3 * PRICE],
    ]);
    expect(refundsOf(r).map((c) => c.input.idempotencyKey)).toEqual([`rental-refund:${r.input.rentalId}`]);
    expect(escrowOut(r)).toBe(5 * PRICE);
    maybeRecordHistory(w.env.address, r.id, 'rental-health-gated');
  });

  it('when the agent answers every check, then every minute is billed and nothing is refunded, as before the gate', async () => {
    const r = await startRental(5, () => true);
    const final = await r.handle.result();
    expect(checkedMinutes(r)).toEqual([1, 2, 3, 4, 5]);
    expect(final.settlement).toEqual({
      billedMinutes: 5,
      ownerGross: 5 * PRICE,
      refund: 0,
      unavailableMinutes: [],
    });
    expect(w.calls(r.id, 'payEarner').map((c) => c.input.gross)).toEqual([5 * PRICE]);
    expect(refundsOf(r)).toEqual([]);
  });

  it('when the agent is not a proxy agent, then it is checked once and never again, and every minute is billed', async () => {
    const r = await startRental(4);
    const final = await r.handle.result();
    expect(checkedMinutes(r)).toEqual([1]);
    expect(final.settlement).toMatchObject({ billedMinutes: 4, refund: 0, unavailableMinutes: [] });
  });

  it('when the API recorded a failed relay in a minute with no check answered, then that minute is not billed', async () => {
    const r = await startRental(3);
    await w.env.sleep('70 seconds'); // inside minute 2
    await observe(r.input.rentalId, false);
    const final = await r.handle.result();
    expect(final.settlement).toMatchObject({ billedMinutes: 2, refund: PRICE, unavailableMinutes: [2] });
  });

  it('when the renter ends early during an unavailable minute, then the started minutes are judged and the never-started ones are unused', async () => {
    const r = await startRental(10, (minute) => minute < 3);
    await w.env.sleep('160 seconds'); // minute 3's check (at 2:30) has run
    await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] });
    const final = await r.handle.result();
    // 3 started minutes, minute 3 unavailable: 2 billed, 8 back (7 unused + 1 unavailable).
    expect(final.settlement).toEqual({
      billedMinutes: 2,
      ownerGross: 2 * PRICE,
      refund: 8 * PRICE,
      unavailableMinutes: [3],
    });
    expect(escrowOut(r)).toBe(10 * PRICE);
  });

  it('when the rental is extended, then the checks go on into the extension on the same minute grid', async () => {
    const r = await startRental(2, (minute) => minute !== 3);
    await w.env.sleep('30 seconds');
    await r.handle.executeUpdate(extendRentalUpdate, {
      args: [{ minutes: 2, byAccountId: r.input.renterId, requestId: randomUUID() }],
    });
    const final = await r.handle.result();
    expect(checkedMinutes(r)).toEqual([1, 2, 3, 4]);
    expect(final.settlement).toEqual({
      billedMinutes: 3,
      ownerGross: 3 * PRICE,
      refund: PRICE,
      unavailableMinutes: [3],
    });
  });

  it('when the run continues as new mid-rental, then the checks go on from the carried minute, none twice, none skipped', async () => {
    const r = await startRental(6, (minute) => minute !== 5, { historyLimit: 40 });
    const final = await r.handle.result();
    expect((await r.handle.describe()).runId).not.toBe(r.firstRunId);
    expect(checkedMinutes(r)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(final.settlement).toMatchObject({ billedMinutes: 5, refund: PRICE, unavailableMinutes: [5] });
  });
});
