/**
 * What the soak's load loops share: the record of what they started (the checks prove each of
 * those ended exactly once) and the context every loop runs in.
 */
import type { HttpClient } from './soak-http';

/** How a service order of the load is meant to end (the load drives each to a final status). */
export type OrderPlan = 'approve' | 'auto_approve' | 'decline' | 'cancel';

export interface Started {
  /** Every rental: started now, booked ahead, or with a silence guard. */
  rentals: string[];
  tasks: string[];
  deposits: Array<{ txid: string; amount: number }>;
  withdrawals: Array<{ id: string; address: string; net: number }>;
  chats: { ok: number; failed: number };
  /** `/v1/chat` with `"stream": true`: `ok` reached the `done` event. */
  streams: { ok: number; failed: number };
  extensionsResent: number;
  /** Rentals booked ahead; `cancelled` when the renter's cancel before the start was answered 200. */
  booked: Array<{ id: string; cancelled: boolean }>;
  /** Rentals with `max_silence_minutes: 1`; `messaged` when the renter's unanswered message was stored. */
  guarded: Array<{ id: string; messaged: boolean }>;
  orders: Array<{ id: string; plan: OrderPlan | 'found' }>;
  /** Orders placed twice with one Idempotency-Key: `same` when both answers named one order. */
  orderResends: { same: number; different: number };
}

export interface Actor {
  id: string;
  key: string;
}

export interface LoadContext {
  call: HttpClient['call'];
  started: Started;
  /** True until the soak's load deadline. */
  live: () => boolean;
}

export const emptyStarted = (): Started => ({
  rentals: [],
  tasks: [],
  deposits: [],
  withdrawals: [],
  chats: { ok: 0, failed: 0 },
  streams: { ok: 0, failed: 0 },
  extensionsResent: 0,
  booked: [],
  guarded: [],
  orders: [],
  orderResends: { same: 0, different: 0 },
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

/**
 * `POST /v1/chat` asking for Server-Sent Events (`"stream": true`): counted answered when the
 * stream reaches its `done` event. Never retried: a chat is not idempotent.
 */
export async function streamChat(ctx: LoadContext, code: string, message: string): Promise<void> {
  const reply = await ctx.call('POST', '/v1/chat', {
    headers: { 'x-api-key': code, accept: 'text/event-stream' },
    body: { message, stream: true },
    retry: false,
  });
  if (reply.status === 200 && /^event: done$/m.test(reply.text)) ctx.started.streams.ok++;
  else ctx.started.streams.failed++;
}
