/**
 * The silence guard of a rental (issue 25.4), on the time-skipping server with stub activities:
 * a renter message the agent leaves unanswered `maxSilenceMinutes` ends the rental early and the
 * unused whole minutes go back as for any early end; an answer in time resets the guard; without
 * a limit nothing changes. The stub transcript keeps each message's time by the test server's
 * clock, as Postgres keeps `created_at`.
 */
import { randomUUID } from 'node:crypto';
import type { StoredRentalMessage } from '../../activities/rentals';
import { maybeRecordHistory } from '../harness/record';
import { rentalStubs, startStubWorker, type StubWorker } from '../harness/stub-worker';
import {
  endRentalUpdate,
  postRentalMessageUpdate,
  rentalStartOptions,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  rentalStatusQuery,
  type RentalView,
  type RentalWorkflow,
  renterMessageUnansweredSignal,
} from '../../workflows/rental/contract';

const PRICE = 500_000; // micro-USDT per minute
const MINUTE = 60_000;

interface Line {
  seq: number;
  senderId: string;
  atMs: number;
}

describe('rental silence guard decisions (stub activities)', () => {
  let w: StubWorker;
  /** rentalId → the transcript as the rentals row would order it. */
  const transcripts = new Map<string, Line[]>();

  async function store(rentalId: string, senderId: string): Promise<Line> {
    const lines = transcripts.get(rentalId) ?? [];
    transcripts.set(rentalId, lines);
    const line = { seq: lines.length + 1, senderId, atMs: await w.env.currentTimeMs() };
    lines.push(line);
    return line;
  }

  const stored = (m: { id: string; rentalId: string; senderId: string; content: string }, seq: number) =>
    ({
      id: m.id,
      rental_id: m.rentalId,
      seq,
      sender_id: m.senderId,
      sender_username: 'someone',
      content: m.content,
      created_at: new Date(0).toISOString(),
    }) satisfies StoredRentalMessage;

  beforeAll(async () => {
    w = await startStubWorker(
      rentalStubs({
        async reserveRental() {
          return { agentPushesEvents: false };
        },
        async storeMessageInRow(m) {
          const line = await store(m.rentalId, m.senderId);
          return { ...stored(m, line.seq), agentIntegration: 'events' as const };
        },
        // As db/rental-chat.ts: the renter's oldest message after the agent's last, with its age.
        async oldestUnansweredMessage(q) {
          const lines = transcripts.get(q.rentalId) ?? [];
          const lastAnswer = Math.max(0, ...lines.filter((l) => l.senderId === q.agentId).map((l) => l.seq));
          const oldest = lines.find((l) => l.senderId === q.renterId && l.seq > lastAnswer);
          return oldest ? { seq: oldest.seq, ageMs: (await w.env.currentTimeMs()) - oldest.atMs } : null;
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  async function startRental(minutes: number, maxSilenceMinutes?: number) {
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
      ...(maxSilenceMinutes === undefined ? {} : { maxSilenceMinutes }),
    };
    const options = rentalStartOptions(input, w.taskQueue);
    const handle = await w.env.client.workflow.start<RentalWorkflow>(RENTAL_WORKFLOW_TYPE, options);
    const post = (senderId: string, content: string) =>
      handle.executeUpdate(postRentalMessageUpdate, { args: [{ senderId, content }] });
    return { input, id: options.workflowId, handle, post };
  }

  /** The patch ids a run recorded (the JSON in each `core_patch` marker's payloads). */
  async function patchIdsOf(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) {
    const history = await handle.fetchHistory();
    const ids: string[] = [];
    for (const e of (history.events ?? []) as Array<{
      markerRecordedEventAttributes?: {
        details?: Record<string, { payloads?: Array<{ data?: Uint8Array | null }> | null }> | null;
      } | null;
    }>) {
      for (const d of Object.values(e.markerRecordedEventAttributes?.details ?? {}))
        for (const p of d.payloads ?? []) {
          const parsed: unknown = JSON.parse(Buffer.from(p.data ?? []).toString('utf8') || 'null');
          if (parsed && typeof parsed === 'object' && 'id' in parsed) ids.push(String(parsed.id));
        }
    }
    return ids;
  }

  const refundsOf = (id: string) => w.calls(id, 'postLedger').filter((c) => c.input.kind === 'rental_refund');
  const elapsedMs = (v: RentalView) => Date.parse(v.endedAt!) - Date.parse(v.startsAt);

  it('when the agent leaves a renter message unanswered for the limit, then the rental ends early as agent_silent and the unused minutes are refunded', async () => {
    const r = await startRental(60, 10);
    await r.post(r.input.renterId, 'anyone there?');
    const final = await r.handle.result();
    expect(final).toMatchObject({
      status: 'ended',
      endedBy: 'clock',
      endedReason: 'agent_silent',
      settled: true,
    });
    expect(elapsedMs(final)).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(elapsedMs(final)).toBeLessThan(60 * MINUTE);
    // Exactly what an early end settles: started minutes to the owner, the rest back, each keyed once.
    const billed = final.settlement!.billedMinutes;
    expect(billed).toBe(Math.ceil(elapsedMs(final) / MINUTE));
    expect(w.calls(r.id, 'payEarner').map((c) => c.input.gross)).toEqual([billed * PRICE]);
    expect(refundsOf(r.id).map((c) => [c.input.idempotencyKey, c.input.lines])).toEqual([
      [
        `rental-refund:${r.input.rentalId}`,
        [
          {
            account: { ownerId: r.input.renterId, purpose: 'escrow', subject: `rental:${r.input.rentalId}` },
            amount: -(60 - billed) * PRICE,
          },
          { account: { ownerId: r.input.renterId, purpose: 'available' }, amount: (60 - billed) * PRICE },
        ],
      ],
    ]);
    expect(w.calls(r.id, 'recordRentalState').at(-1)!.input.ended).toMatchObject({ reason: 'agent_silent' });
    const ended = w.calls(r.id, 'deliverRentalEvent').find((c) => c.input.event === 'rental_ended');
    expect(ended?.input.payload).toMatchObject({ data: { data: { ended_reason: 'agent_silent' } } });
  });

  it('when the agent answers within the limit, then the guard times the next renter message from scratch', async () => {
    const r = await startRental(60, 10);
    await r.post(r.input.renterId, 'first question');
    await w.env.sleep('8 minutes');
    await r.post(r.input.agentId, 'first answer');
    await r.post(r.input.renterId, 'second question');
    await w.env.sleep('8 minutes'); // 16 minutes after the first question, 8 after the second
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'active', endedReason: null });
    const final = await r.handle.result();
    expect(final.endedReason).toBe('agent_silent');
    expect(elapsedMs(final)).toBeGreaterThanOrEqual(18 * MINUTE);
    expect(await patchIdsOf(r.handle)).toContain('silence-guard');
    maybeRecordHistory(w.env.address, r.id, 'rental-silence-guard');
  });

  it('when a proxy chat failed in the API and the API signals it, then the guard ends the rental once the message is that old', async () => {
    const r = await startRental(30, 5);
    // The API's `/v1/chat` stored the renter's message; the relay failed, so no reply.
    const asked = await store(r.input.rentalId, r.input.renterId);
    await r.handle.signal(renterMessageUnansweredSignal, { seq: asked.seq });
    const final = await r.handle.result();
    expect(final.endedReason).toBe('agent_silent');
    expect(elapsedMs(final)).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(refundsOf(r.id)).toHaveLength(1);
  });

  it('when the API stored the proxy agent’s reply after a signalled failure, then the transcript answers the guard and the rental runs on', async () => {
    const r = await startRental(30, 5);
    const asked = await store(r.input.rentalId, r.input.renterId);
    await r.handle.signal(renterMessageUnansweredSignal, { seq: asked.seq });
    await w.env.sleep('3 minutes');
    await store(r.input.rentalId, r.input.agentId); // the renter's next chat got a reply
    await w.env.sleep('4 minutes');
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'active' });
    expect(w.calls(r.id, 'oldestUnansweredMessage')).toHaveLength(1);
    const ended = await r.handle.executeUpdate(endRentalUpdate, {
      args: [{ byAccountId: r.input.renterId }],
    });
    expect(ended).toMatchObject({ endedBy: 'renter', endedReason: null });
  });

  it('when the API stored a reply and then a newer unanswered message, then the guard times the newer one from when it was stored', async () => {
    const r = await startRental(30, 5);
    const first = await store(r.input.rentalId, r.input.renterId);
    await r.handle.signal(renterMessageUnansweredSignal, { seq: first.seq });
    await w.env.sleep('3 minutes');
    await store(r.input.rentalId, r.input.agentId);
    await w.env.sleep('1 minute');
    const second = await store(r.input.rentalId, r.input.renterId); // t = 4: its relay failed too
    await r.handle.signal(renterMessageUnansweredSignal, { seq: second.seq });
    await w.env.sleep('3 minutes'); // t = 7: 7 minutes after the first, 3 after the second
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'active' });
    const final = await r.handle.result();
    expect(final.endedReason).toBe('agent_silent');
    expect(elapsedMs(final)).toBeGreaterThanOrEqual(9 * MINUTE);
    maybeRecordHistory(w.env.address, r.id, 'rental-silence-guard-signalled');
  });

  it('when the rental has no limit, then an unanswered message changes nothing and the run records no silence-guard marker', async () => {
    const r = await startRental(30);
    await r.post(r.input.renterId, 'hello?');
    await r.handle.signal(renterMessageUnansweredSignal, { seq: 1 });
    await w.env.sleep('20 minutes');
    expect(await r.handle.query(rentalStatusQuery)).toMatchObject({ status: 'active', endedReason: null });
    expect(w.calls(r.id, 'oldestUnansweredMessage')).toHaveLength(0);
    const final = await r.handle.result();
    expect(final).toMatchObject({ endedBy: 'clock', endedReason: null });
    expect(refundsOf(r.id)).toHaveLength(0);
    expect(await patchIdsOf(r.handle)).not.toContain('silence-guard');
  });
});
