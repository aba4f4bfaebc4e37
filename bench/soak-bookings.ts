/**
 * The soak's rentals of issue 25 beside the immediate ones: rentals booked ahead — every other one
 * cancelled before its start (the whole hold back), the rest started by the workflow's timer,
 * chatted with (streamed) once active and ended by their clock — and rentals with a silence guard
 * whose proxy agent never answers the renter's message, so the guard ends them early.
 */
import { type Actor, type LoadContext, pick, sleep, streamChat } from './soak-shared';

/**
 * How far ahead a booking starts: the minimum lead (domain/rental-booking.ts, 1 minute) plus room
 * for the booking request itself to be retried across a restart before the API judges `starts_at`.
 */
const BOOKING_LEAD_MS = 75_000;

export async function bookingLoop(ctx: LoadContext, renter: Actor, agents: Actor[]): Promise<void> {
  const { call, started, live } = ctx;
  const chats: Array<Promise<void>> = [];
  let n = 0;
  while (live()) {
    const keep = ++n % 2 === 0;
    const startsAtMs = Date.now() + BOOKING_LEAD_MS;
    const booked = await call('POST', '/api/rentals', {
      key: renter.key,
      idem: 'auto',
      body: { agent_id: pick(agents).id, minutes: 1, starts_at: new Date(startsAtMs).toISOString() },
    });
    if (booked.status !== 201) {
      await sleep(500);
      continue;
    }
    const id = String(booked.json.id);
    started.rentals.push(id);
    const entry = { id, cancelled: false };
    started.booked.push(entry);
    if (keep) {
      chats.push(chatOnceStarted(ctx, String(booked.json.code), startsAtMs));
    } else {
      await sleep(300);
      const cancel = await call('POST', `/api/rentals/${id}/cancel`, {
        key: renter.key,
        body: {},
        retry: true,
      });
      // 409 rental_already_ended: an earlier attempt (its answer lost to a restart) cancelled it.
      entry.cancelled =
        cancel.status === 200 || (cancel.status === 409 && cancel.json.code === 'rental_already_ended');
    }
    await sleep(2000);
  }
  await Promise.all(chats);
}

/** Once the booked rental is active (its timer fired), one streamed chat — while the load lasts. */
async function chatOnceStarted(ctx: LoadContext, code: string, startsAtMs: number): Promise<void> {
  while (ctx.live() && Date.now() < startsAtMs + 3000) await sleep(1000);
  if (ctx.live()) await streamChat(ctx, code, 'soak message to a booked rental');
}

/**
 * Rentals of 2 minutes with `max_silence_minutes: 1` and one renter message (`POST …/messages`)
 * that a proxy agent never answers: the guard ends each about a minute later, billing one minute.
 */
export async function guardLoop(ctx: LoadContext, renter: Actor, agents: Actor[]): Promise<void> {
  const { call, started, live } = ctx;
  while (live()) {
    const start = await call('POST', '/api/rentals', {
      key: renter.key,
      idem: 'auto',
      body: { agent_id: pick(agents).id, minutes: 2, max_silence_minutes: 1 },
    });
    if (start.status !== 201) {
      await sleep(500);
      continue;
    }
    const id = String(start.json.id);
    started.rentals.push(id);
    const message = await call('POST', `/api/rentals/${id}/messages`, {
      key: renter.key,
      body: { content: 'soak: is anyone there?' },
      retry: false,
    });
    started.guarded.push({ id, messaged: message.status === 201 });
    await sleep(3000);
  }
}
