/**
 * Health-gated billing's rule (domain/rental-availability.ts) and what the settlement and the
 * receipt make of it (domain/rental-settlement.ts, domain/rental-receipt.ts).
 */
import { healthCheckAtMs, relayFailureCounts, unavailableMinutes } from '../../domain/rental-availability';
import { receiptMinutes } from '../../domain/rental-receipt';
import { settleRental } from '../../domain/rental-settlement';

const MIN = 60_000;
const START = Date.UTC(2026, 11, 24, 14, 0, 0);
const at = (minutes: number, seconds = 0) => START + minutes * MIN + seconds * 1000;
const fail = (atMs: number) => ({ atMs, ok: false });
const alive = (atMs: number) => ({ atMs, ok: true });
/** A 10-minute rental that ran to its end. */
const whole = { startsAtMs: START, endedAtMs: at(10), startedMinutes: 10 };

describe('health-gated billing: which minutes the agent was unavailable for', () => {
  it('when a minute holds a failed check and no sign of life, then that minute is unavailable', () => {
    expect(unavailableMinutes(whole, [fail(at(2, 30))])).toEqual([3]);
  });

  it('when a minute holds a failure and a success, then it stays billed', () => {
    expect(unavailableMinutes(whole, [fail(at(2, 30)), alive(at(2, 45))])).toEqual([]);
  });

  it('when a success comes before the failure in the same minute, then it still stays billed', () => {
    expect(unavailableMinutes(whole, [alive(at(2, 1)), fail(at(2, 59))])).toEqual([]);
  });

  it('when nothing was observed in a minute, then it is billed (no evidence is not evidence of absence)', () => {
    expect(unavailableMinutes(whole, [])).toEqual([]);
  });

  it('when every minute holds a failure, then every started minute is unavailable, in order', () => {
    const checks = Array.from({ length: 10 }, (_, i) => fail(healthCheckAtMs(START, 10 - i)));
    expect(unavailableMinutes(whole, checks)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('when a failure lands exactly on a minute boundary, then it counts for the minute that starts there', () => {
    expect(unavailableMinutes(whole, [fail(at(4))])).toEqual([5]);
  });

  it('when evidence falls before the start (a booked-ahead rental not started yet), then it counts nowhere', () => {
    expect(unavailableMinutes(whole, [fail(START - 1), fail(START - 30_000)])).toEqual([]);
  });

  it('when evidence falls at or after the end, then it counts nowhere', () => {
    expect(unavailableMinutes(whole, [fail(at(10)), fail(at(11, 30))])).toEqual([]);
  });

  it('when the rental ended early inside a minute, then that last partial minute is judged by what fell before the end', () => {
    const early = { startsAtMs: START, endedAtMs: at(3, 20), startedMinutes: 4 };
    expect(unavailableMinutes(early, [fail(at(3, 10))])).toEqual([4]);
    expect(unavailableMinutes(early, [fail(at(3, 10)), alive(at(3, 30))])).toEqual([4]);
  });

  it('when an extension moved the end, then its minutes continue the same grid from the start', () => {
    const extended = { startsAtMs: START, endedAtMs: at(15), startedMinutes: 15 };
    expect(unavailableMinutes(extended, [fail(at(12, 30))])).toEqual([13]);
  });

  it('when the per-minute check of minute m is timed, then it is the middle of that minute', () => {
    expect(healthCheckAtMs(START, 1)).toBe(at(0, 30));
    expect(healthCheckAtMs(START, 4)).toBe(at(3, 30));
  });
});

describe('health-gated billing: which relay failures count', () => {
  it.each([
    { failure: { code: 'agent_unreachable', detail: { reason: 'timeout' } }, counts: true },
    { failure: { code: 'agent_unreachable', detail: { reason: 'network_error' } }, counts: true },
    { failure: { code: 'agent_error', detail: { status: 503 } }, counts: true },
    { failure: { code: 'agent_error', detail: { status: 500 } }, counts: true },
    { failure: { code: 'agent_error', detail: { status: 404 } }, counts: false },
    { failure: { code: 'agent_error', detail: { status: 200 } }, counts: false },
    { failure: { code: 'agent_unreachable', detail: { reason: 'chat budget spent' } }, counts: false },
    { failure: { code: 'agent_unconfigured', detail: { reason: 'refused' } }, counts: false },
  ])(
    'when the relay failed with $failure.code $failure.detail, then it counts: $counts',
    ({ failure, counts }) => {
      expect(relayFailureCounts(failure)).toBe(counts);
    },
  );
});

describe('health-gated billing: the settlement and the receipt', () => {
  const PRICE = 250_000;
  const settle = (endedAtMs: number, paidMinutes: number, unavailable?: number[]) =>
    settleRental({
      pricePerMinute: PRICE,
      paidMinutes,
      startsAtMs: START,
      endedAtMs,
      ...(unavailable ? { unavailableMinutes: unavailable } : {}),
    });

  it('when two started minutes were unavailable, then they are refunded with the unused ones', () => {
    expect(settle(at(4, 10), 10, [2, 3])).toEqual({
      billedMinutes: 3,
      ownerGross: 3 * PRICE,
      refund: 7 * PRICE,
      unavailableMinutes: [2, 3],
    });
  });

  it('when the agent was unavailable for every started minute, then nothing is billed and the whole hold comes back', () => {
    expect(settle(at(5), 5, [1, 2, 3, 4, 5])).toMatchObject({
      billedMinutes: 0,
      ownerGross: 0,
      refund: 5 * PRICE,
    });
  });

  it('when no minute was unavailable, then the settlement is the ungated one', () => {
    const { unavailableMinutes: listed, ...gated } = settle(at(3, 30), 10, []);
    expect(listed).toEqual([]);
    expect(gated).toEqual(settle(at(3, 30), 10));
  });

  it('when a listed minute was never started or is listed twice, then it is not refunded twice', () => {
    expect(settle(at(2, 30), 10, [3, 3, 9, 0, 1.5])).toMatchObject({
      billedMinutes: 2,
      unavailableMinutes: [3],
    });
  });

  it('when the receipt lists the settled minutes, then unavailable ones sit among the started ones and the rest are unused', () => {
    const s = settle(at(4, 10), 6, [2, 3]);
    expect(receiptMinutes(6, s.billedMinutes, s.unavailableMinutes).map((m) => m.state)).toEqual([
      'available',
      'unavailable',
      'unavailable',
      'available',
      'available',
      'unused',
    ]);
  });
});
