/**
 * What the rental workflow decides, on the time-skipping server with stub activities (no
 * Postgres): which activity it calls, under which idempotency key, for which amount.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { StoredRentalMessage } from '../../activities/rentals';
import { proxySessionKey } from '../../domain/agent-reply';
import { ErrorCode } from '../../domain/errors';
import { waitFor } from '../integration/chain';
import { businessStatusOf, rentalStubs, startStubWorker, type StubWorker } from '../harness/stub-worker';
// Workflow modules (one block, so it is repointed in one place when the workflows move).
import {
  chatWithAgentUpdate,
  endRentalUpdate,
  extendRentalUpdate,
  postRentalMessageUpdate,
  rentalStartOptions,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  rentalStatusQuery,
  type RentalWorkflow,
} from '../../workflows/rental/contract';

const PRICE = 500_000; // micro-USDT per minute
const MINUTE = 60_000;

const storedMessage = (m: {
  id: string;
  rentalId: string;
  seq: number;
  senderId: string;
  content: string;
}): StoredRentalMessage => ({
  id: m.id,
  rental_id: m.rentalId,
  seq: m.seq,
  sender_id: m.senderId,
  sender_username: 'someone',
  content: m.content,
  created_at: new Date(0).toISOString(),
});

/** The business code a failed update or workflow carries, walking the cause chain as the API does. */
function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure && e.type) return e.type;
  return String(err);
}

const rowSeqs = new Map<string, number>();
const nextSeqOf = (rentalId: string) => {
  const seq = (rowSeqs.get(rentalId) ?? 0) + 1;
  rowSeqs.set(rentalId, seq);
  return seq;
};

describe('rental workflow decisions (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker(
      rentalStubs({
        async reserveRental() {
          return { agentPushesEvents: true };
        },
        async recordRentalStarted() {},
        async storeRentalMessage(m) {
          return storedMessage(m);
        },
        async storeChatMessage(m) {
          return { ...storedMessage(m), agentIntegration: 'events' as const };
        },
        // The rentals row's transcript gate, as db/rental-chat.ts keeps it: seq from the row.
        async storeMessageInRow(m) {
          return {
            ...storedMessage({ ...m, seq: nextSeqOf(m.rentalId) }),
            agentIntegration: 'events' as const,
          };
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
  }

  async function startRental(minutes: number, over: Partial<RentalInput> = {}): Promise<Rental> {
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
    const options = rentalStartOptions(input, w.taskQueue);
    const handle = await w.env.client.workflow.start<RentalWorkflow>(RENTAL_WORKFLOW_TYPE, options);
    return { input, id: options.workflowId, handle };
  }

  const escrow = (r: Rental) => ({
    ownerId: r.input.renterId,
    purpose: 'escrow',
    subject: `rental:${r.input.rentalId}`,
  });
  const available = (accountId: string) => ({ ownerId: accountId, purpose: 'available' });
  const end = (r: Rental, byAccountId: string, extra: { byOperator?: boolean; reason?: string } = {}) =>
    r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId, ...extra }] });
  const extend = (r: Rental, minutes: number, requestId = randomUUID()) =>
    r.handle.executeUpdate(extendRentalUpdate, {
      args: [{ minutes, byAccountId: r.input.renterId, requestId }],
    });
  const events = (r: Rental) => w.calls(r.id, 'deliverRentalEvent').map((c) => c.input.event);

  describe('start', () => {
    it('when a rental starts, then it holds price × minutes with one reserveRental carrying the rentals row', async () => {
      const r = await startRental(30);
      await r.handle.query(rentalStatusQuery);
      const [reserve] = w.calls(r.id, 'reserveRental');
      expect(reserve.input.rental).toMatchObject({
        id: r.input.rentalId,
        minutes: 30,
        pricePerMinute: PRICE,
        renterId: r.input.renterId,
        ownerId: r.input.ownerId,
      });
      expect(reserve.input.rental.endsAtMs - reserve.input.rental.startsAtMs).toBe(30 * MINUTE);
      expect(w.calls(r.id, 'recordRentalStarted')).toHaveLength(0);
      await end(r, r.input.renterId);
    });

    it('when the bot takes pushed events, then its rental_request is routed by deliverRentalEvent', async () => {
      const r = await startRental(30);
      await r.handle.query(rentalStatusQuery);
      expect(events(r)).toEqual(['rental_request']);
      await end(r, r.input.renterId);
    });

    it('when the bot takes no pushed events, then the start routes no rental_request (its notification came with the row)', async () => {
      w.on('reserveRental', async () => ({ agentPushesEvents: false }));
      const r = await startRental(30);
      await r.handle.query(rentalStatusQuery);
      expect(events(r)).toEqual([]);
      await end(r, r.input.renterId);
    });

    it('when the hold is refused for want of funds, then the workflow fails with that code, shows refused and pays nothing', async () => {
      w.on('reserveRental', async () => {
        throw ApplicationFailure.nonRetryable('insufficient balance', ErrorCode.InsufficientBalance);
      });
      const r = await startRental(30);
      expect(codeOf(await r.handle.result().catch((e: unknown) => e))).toBe(ErrorCode.InsufficientBalance);
      expect(await businessStatusOf(r.handle)).toBe('refused');
      expect(w.calls(r.id, 'payEarner')).toHaveLength(0);
      expect(w.calls(r.id, 'postLedger')).toHaveLength(0);
    });

    it('when the API already held the funds and recorded the start, then the workflow records nothing again', async () => {
      const r = await startRental(30, { holdFunds: false, startRecorded: true });
      // The request event goes out in the background: wait for it, then nothing else was done.
      await waitFor(async () => events(r).length > 0, 20_000, 'the rental_request event');
      expect(w.calls(r.id, 'reserveRental')).toHaveLength(0);
      expect(w.calls(r.id, 'recordRentalStarted')).toHaveLength(0);
      expect(events(r)).toEqual(['rental_request']);
      await end(r, r.input.renterId);
    });
  });

  describe('the clock', () => {
    it('when five minutes are left, then it warns the bot once, keyed by the end time', async () => {
      const r = await startRental(60);
      await w.env.sleep('56 minutes');
      const view = await r.handle.query(rentalStatusQuery);
      expect(view).toMatchObject({ status: 'ending_soon', warnings: 1 });
      const warnings = w
        .calls(r.id, 'deliverRentalEvent')
        .filter((c) => c.input.event === 'rental_ending_soon');
      expect(warnings.map((c) => c.input.eventKey)).toEqual([
        `rental:${r.input.rentalId}:ending_soon:${Date.parse(view.endsAt)}`,
      ]);
      await end(r, r.input.renterId);
    });

    it('when the time is up, then it ends by the clock at exactly start + minutes', async () => {
      const r = await startRental(60);
      const final = await r.handle.result();
      expect(final).toMatchObject({ status: 'ended', endedBy: 'clock', settled: true, warnings: 1 });
      expect(Date.parse(final.endedAt!) - Date.parse(final.startsAt)).toBe(60 * MINUTE);
    });

    it('when the time is up, then the owner is paid every paid minute once, keyed by the rental, and nothing is refunded', async () => {
      const r = await startRental(20);
      await r.handle.result();
      expect(w.calls(r.id, 'payEarner').map((c) => c.input)).toEqual([
        {
          idempotencyKey: `rental-settlement:${r.input.rentalId}`,
          kind: 'rental_settlement',
          reference: `rental:${r.input.rentalId}`,
          from: escrow(r),
          earnerId: r.input.ownerId,
          gross: 20 * PRICE,
        },
      ]);
      expect(w.calls(r.id, 'postLedger')).toHaveLength(0);
    });

    it('when the rental ends, then the read model gets the settlement after the money moved', async () => {
      const r = await startRental(5);
      await r.handle.result();
      const names = w.calls(r.id).map((c) => c.name);
      const lastState = w.calls(r.id, 'recordRentalState').at(-1)!.input;
      expect(lastState.ended).toMatchObject({
        endedBy: 'clock',
        billedMinutes: 5,
        ownerGross: 5 * PRICE,
        refund: 0,
      });
      expect(names.lastIndexOf('recordRentalState')).toBeGreaterThan(names.indexOf('payEarner'));
      expect(events(r).at(-1)).toBe('rental_ended');
    });
  });

  describe('ending early', () => {
    it('when the renter ends during minute 10 of 60, then the owner gets 10 minutes and the renter 50 back, each posted once', async () => {
      const r = await startRental(60);
      await w.env.sleep('570 seconds');
      const ended = await end(r, r.input.renterId, { reason: 'done early' });
      expect(ended).toMatchObject({ endedBy: 'renter', reason: 'done early', settled: true });
      expect(w.calls(r.id, 'payEarner').map((c) => c.input.gross)).toEqual([10 * PRICE]);
      expect(w.calls(r.id, 'postLedger').map((c) => c.input)).toEqual([
        {
          idempotencyKey: `rental-refund:${r.input.rentalId}`,
          kind: 'rental_refund',
          reference: `rental:${r.input.rentalId}`,
          memo: { minutes: 50 },
          lines: [
            { account: escrow(r), amount: -50 * PRICE },
            { account: available(r.input.renterId), amount: 50 * PRICE },
          ],
        },
      ]);
    });

    it('when the renter ends, then the transcript is closed first (waiting up to 5 s for a chat in flight) and the rental ends when it closed', async () => {
      // Later than the time-skipping server's workflow clock, so the end takes the close's time.
      const closedAtMs = Date.parse('2100-01-01T00:00:00Z');
      w.on('closeTranscript', async () => closedAtMs);
      const r = await startRental(60);
      const ended = await end(r, r.input.renterId);
      expect(w.calls(r.id, 'closeTranscript').map((c) => c.input)).toEqual([
        { rentalId: r.input.rentalId, graceMs: 5_000 },
      ]);
      expect(ended.endedAt).toBe(new Date(closedAtMs).toISOString());
      const order = w.calls(r.id).map((c) => c.name);
      expect(order.indexOf('closeTranscript')).toBeLessThan(order.indexOf('payEarner'));
    });

    it('when the clock ends the rental, then the transcript is closed at once (chats stop at ends_at by themselves)', async () => {
      const r = await startRental(10);
      await r.handle.result();
      expect(w.calls(r.id, 'closeTranscript').map((c) => c.input.graceMs)).toEqual([0]);
    });

    it('when an operator force-ends, then it is ended by the operator with the given reason', async () => {
      const r = await startRental(30);
      const ended = await end(r, 'operator', { byOperator: true, reason: 'abuse report' });
      expect(ended).toMatchObject({ endedBy: 'operator', reason: 'abuse report' });
    });

    it('when a rental is ended twice, then the second end is refused with a conflict and the owner is paid once', async () => {
      const r = await startRental(30);
      await end(r, r.input.ownerId);
      const second = await end(r, r.input.renterId).catch((e: unknown) => e);
      expect(['WORKFLOW_CLOSED', ErrorCode.Conflict]).toContain(
        second instanceof WorkflowUpdateFailedError ? codeOf(second) : 'WORKFLOW_CLOSED',
      );
      await r.handle.result();
      expect(w.calls(r.id, 'payEarner')).toHaveLength(1);
    });

    it('when the bot of an owned agent tries to end the rental, then it is forbidden', async () => {
      const r = await startRental(30);
      expect(codeOf(await end(r, r.input.agentId).catch((e: unknown) => e))).toBe(ErrorCode.Forbidden);
      await end(r, r.input.renterId);
    });
  });

  describe('extensions', () => {
    it('when the renter extends, then the extra minutes are held under the request key before the end moves', async () => {
      const r = await startRental(10);
      const requestId = randomUUID();
      const view = await extend(r, 5, requestId);
      expect(view.minutes).toBe(15);
      expect(Date.parse(view.endsAt) - Date.parse(view.startsAt)).toBe(15 * MINUTE);
      expect(w.calls(r.id, 'postLedger').map((c) => c.input)).toEqual([
        {
          idempotencyKey: `rental-extend:${r.input.rentalId}:${requestId}`,
          kind: 'rental_extend',
          reference: `rental:${r.input.rentalId}`,
          memo: { minutes: 5 },
          lines: [
            { account: available(r.input.renterId), amount: -5 * PRICE },
            { account: escrow(r), amount: 5 * PRICE },
          ],
        },
      ]);
      await end(r, r.input.renterId);
    });

    it('when the same extension is sent again, then it is answered the same and held once', async () => {
      const r = await startRental(10);
      const requestId = randomUUID();
      const first = await extend(r, 5, requestId);
      const again = await extend(r, 5, requestId);
      expect(again.minutes).toBe(first.minutes);
      expect(w.calls(r.id, 'postLedger')).toHaveLength(1);
      await end(r, r.input.renterId);
    });

    it('when the extension hold is refused, then the minutes stay and the refusal code is passed on', async () => {
      w.on('postLedger', async () => {
        throw ApplicationFailure.nonRetryable('insufficient balance', ErrorCode.InsufficientBalance);
      });
      const r = await startRental(10);
      expect(codeOf(await extend(r, 5).catch((e: unknown) => e))).toBe(ErrorCode.InsufficientBalance);
      expect((await r.handle.query(rentalStatusQuery)).minutes).toBe(10);
      w.reset();
      await end(r, r.input.renterId);
    });

    it('when the extension comes after the warning, then the warning fires again 5 minutes before the new end', async () => {
      const r = await startRental(10);
      await w.env.sleep('6 minutes');
      await extend(r, 10);
      await w.env.sleep('9 minutes'); // t = 15: five minutes left of 20
      expect((await r.handle.query(rentalStatusQuery)).warnings).toBe(2);
      await end(r, r.input.renterId);
    });

    it('when the extension settles, then the owner is paid the extended minutes', async () => {
      const r = await startRental(10);
      await extend(r, 10);
      await r.handle.result();
      expect(w.calls(r.id, 'payEarner').map((c) => c.input.gross)).toEqual([20 * PRICE]);
    });
  });

  describe('messages and chat', () => {
    it('when a participant posts a message, then it is stored with the next sequence number and the bot is told', async () => {
      const r = await startRental(30);
      const post = (content: string) =>
        r.handle.executeUpdate(postRentalMessageUpdate, { args: [{ senderId: r.input.renterId, content }] });
      expect((await post('one')).seq).toBe(1);
      expect((await post('two')).seq).toBe(2);
      const told = w.calls(r.id, 'deliverRentalEvent').filter((c) => c.input.event === 'rental_message');
      expect(told.map((c) => c.input.eventKey)).toEqual(
        w.calls(r.id, 'storeMessageInRow').map((c) => `rental:${r.input.rentalId}:message:${c.input.id}`),
      );
      await end(r, r.input.renterId);
    });

    it('when a stranger posts a message, then it is refused as not found and nothing is stored', async () => {
      const r = await startRental(30);
      const refused = await r.handle
        .executeUpdate(postRentalMessageUpdate, { args: [{ senderId: 'stranger', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(codeOf(refused)).toBe(ErrorCode.NotFound);
      expect(w.calls(r.id, 'storeMessageInRow')).toHaveLength(0);
      await end(r, r.input.renterId);
    });

    it('when the renter chats with a proxy agent, then the message is relayed once under the rental session and the reply stored and answered', async () => {
      w.on('storeMessageInRow', async (m) => ({
        ...storedMessage({ ...m, seq: nextSeqOf(m.rentalId) }),
        agentIntegration: 'proxy' as const,
      }));
      w.on('relayToProxyAgent', async () => ({ reply: 'hello back' }));
      const r = await startRental(30);
      const answer = await r.handle.executeUpdate(chatWithAgentUpdate, {
        args: [{ renterId: r.input.renterId, message: 'hello' }],
      });
      expect(answer.response).toBe('hello back');
      const [asked] = w.calls(r.id, 'storeMessageInRow');
      expect(w.calls(r.id, 'relayToProxyAgent').map((c) => c.input)).toEqual([
        {
          rentalId: r.input.rentalId,
          agentId: r.input.agentId,
          message: 'hello',
          sessionKey: proxySessionKey(r.input.rentalId, r.input.renterId),
          channel: 'API',
          claim: { messageId: asked.input.id, renterId: r.input.renterId },
        },
      ]);
      expect(w.calls(r.id, 'storeMessageInRow').map((c) => [c.input.senderId, c.input.content])).toEqual([
        [r.input.renterId, 'hello'],
        [r.input.agentId, 'hello back'],
      ]);
      await end(r, r.input.renterId);
    });

    it('when the API names the chat message’s id, then the renter’s message is stored and relayed under that id', async () => {
      w.on('storeMessageInRow', async (m) => ({
        ...storedMessage({ ...m, seq: nextSeqOf(m.rentalId) }),
        agentIntegration: 'proxy' as const,
      }));
      w.on('relayToProxyAgent', async () => ({ reply: 'hello back' }));
      const r = await startRental(30);
      const messageId = '00000000-0000-4000-8000-00000000c4a7';
      await r.handle.executeUpdate(chatWithAgentUpdate, {
        args: [{ renterId: r.input.renterId, message: 'hello', messageId }],
      });
      const [asked] = w.calls(r.id, 'storeMessageInRow');
      expect(asked.input.id).toBe(messageId);
      expect(w.calls(r.id, 'relayToProxyAgent').map((c) => c.input.claim)).toEqual([
        { messageId, renterId: r.input.renterId },
      ]);
      await end(r, r.input.renterId);
    });

    it('when the renter chats with an events agent, then the bot’s next message is the answer', async () => {
      const r = await startRental(30);
      const answer = r.handle.executeUpdate(chatWithAgentUpdate, {
        args: [{ renterId: r.input.renterId, message: 'hello' }],
      });
      // The bot answers through the transcript once the chat's message is stored.
      for (let i = 0; i < 100 && w.calls(r.id, 'storeMessageInRow').length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await r.handle.executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.agentId, content: 'hi renter' }],
      });
      expect((await answer).response).toBe('hi renter');
      expect(w.calls(r.id, 'relayToProxyAgent')).toHaveLength(0);
      await end(r, r.input.renterId);
    });

    it('when a chat’s deadline has passed before its turn, then it answers agent unavailable and stores nothing', async () => {
      const r = await startRental(30);
      const refused = await r.handle
        .executeUpdate(chatWithAgentUpdate, {
          args: [{ renterId: r.input.renterId, message: 'hello', deadlineAtMs: 1 }],
        })
        .catch((e: unknown) => e);
      expect(codeOf(refused)).toBe(ErrorCode.AgentUnavailable);
      expect(w.calls(r.id, 'storeMessageInRow')).toHaveLength(0);
      await end(r, r.input.renterId);
    });

    it('when the rental has ended, then a chat is refused as not active', async () => {
      const r = await startRental(30);
      await end(r, r.input.renterId);
      const refused = await r.handle
        .executeUpdate(chatWithAgentUpdate, {
          args: [{ renterId: r.input.renterId, message: 'still there?' }],
        })
        .catch((e: unknown) => e);
      expect([ErrorCode.RentalNotActive, 'WORKFLOW_CLOSED']).toContain(
        refused instanceof WorkflowUpdateFailedError ? codeOf(refused) : 'WORKFLOW_CLOSED',
      );
    });
  });

  it('when the history outgrows its limit, then it continues as new keeping the clock and settles once', async () => {
    const r = await startRental(30, { historyLimit: 40 });
    const firstRun = (await r.handle.describe()).runId;
    for (let i = 0; i < 12; i++)
      await r.handle.executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.renterId, content: `m${i}` }],
      });
    const final = await r.handle.result();
    expect((await r.handle.describe()).runId).not.toBe(firstRun);
    expect(Date.parse(final.endedAt!) - Date.parse(final.startsAt)).toBe(30 * MINUTE);
    expect(w.calls(r.id, 'payEarner')).toHaveLength(1);
    expect(w.calls(r.id, 'reserveRental')).toHaveLength(1);
  });
});
