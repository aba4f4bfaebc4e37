/**
 * RentalState as plain TypeScript (no server, no worker): its validators — who may do what, and
 * when — and its transitions: warning, extension, end, settlement, chat answers, carry-over.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode } from '../../domain/errors';
import { MAX_RENTAL_MINUTES } from '../../domain/rental-settlement';
// Workflow modules (one block, so it is repointed in one place when the workflows move).
import { MAX_CHAT_CHARS, MAX_MESSAGE_CHARS, type RentalInput } from '../../workflows/rental/contract';
import { RentalState } from '../../workflows/rental/state';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const PRICE = 500_000;

const input = (over: Partial<RentalInput> = {}): RentalInput => ({
  rentalId: 'r-1',
  agentId: 'bot',
  agentName: 'Bot',
  renterId: 'renter',
  renterUsername: 'ren',
  ownerId: 'owner',
  minutes: 30,
  pricePerMinute: PRICE,
  channel: 'API',
  eventsEnabled: false,
  ...over,
});
const rental = (over: Partial<RentalInput> = {}) => new RentalState(input(over), T0);
const ended = () => {
  const s = rental();
  s.end('renter', 'done', T0 + 10 * MINUTE);
  return s;
};

/** The business code a validator refused with, or 'accepted'. */
function verdict(check: () => void): string {
  try {
    check();
    return 'accepted';
  } catch (err) {
    return err instanceof ApplicationFailure
      ? `${err.type}${err.nonRetryable ? '' : ' (retryable!)'}`
      : String(err);
  }
}

describe('RentalState', () => {
  describe('a new rental', () => {
    it('when it starts, then it is active and ends price-minutes later', () => {
      const s = rental();
      expect(s.view()).toMatchObject({
        status: 'active',
        startsAt: new Date(T0).toISOString(),
        endsAt: new Date(T0 + 30 * MINUTE).toISOString(),
        minutes: 30,
        warnings: 0,
        settled: false,
      });
    });

    it('when the API set the start time, then the clock runs from it', () => {
      const s = new RentalState(input({ startsAtMs: T0 - MINUTE }), T0);
      expect(s.endsAtMs).toBe(T0 + 29 * MINUTE);
    });
  });

  describe('roles', () => {
    it('when an account is renter, bot or owner, then roleOf names it; anyone else has no role', () => {
      const s = rental();
      expect(['renter', 'bot', 'owner', 'stranger'].map((a) => s.roleOf(a))).toEqual([
        'renter',
        'bot',
        'owner',
        undefined,
      ]);
    });
  });

  describe('validateExtend', () => {
    const ext = (over: Partial<{ minutes: number; byAccountId: string; requestId: string }> = {}) => ({
      minutes: 10,
      byAccountId: 'renter',
      requestId: 'q-1',
      ...over,
    });

    it('when the renter extends by a valid number of minutes, then it is accepted', () => {
      expect(verdict(() => rental().validateExtend(ext()))).toBe('accepted');
    });

    it('when a stranger extends, then it is not found (the rental is not disclosed)', () => {
      expect(verdict(() => rental().validateExtend(ext({ byAccountId: 'stranger' })))).toBe(
        ErrorCode.NotFound,
      );
    });

    it('when the owner or the bot extends, then it is forbidden', () => {
      expect(verdict(() => rental().validateExtend(ext({ byAccountId: 'owner' })))).toBe(ErrorCode.Forbidden);
      expect(verdict(() => rental().validateExtend(ext({ byAccountId: 'bot' })))).toBe(ErrorCode.Forbidden);
    });

    it.each([0, -1, 1.5, MAX_RENTAL_MINUTES + 1])(
      'when the minutes are %p, then it is a validation error',
      (minutes) => {
        expect(verdict(() => rental().validateExtend(ext({ minutes })))).toBe(ErrorCode.Validation);
      },
    );

    it('when the request id is missing, then it is a validation error', () => {
      expect(verdict(() => rental().validateExtend(ext({ requestId: '' })))).toBe(ErrorCode.Validation);
    });

    it('when a request id is reused with other minutes, then it is an idempotency mismatch', () => {
      const s = rental();
      s.extensions['q-1'] = 10;
      expect(verdict(() => s.validateExtend(ext({ minutes: 5 })))).toBe(ErrorCode.IdempotencyMismatch);
      expect(verdict(() => s.validateExtend(ext({ minutes: 10 })))).toBe('accepted');
    });

    it('when a request id is being posted with other minutes, then it is an idempotency mismatch', () => {
      const s = rental();
      s.extending.set('q-1', 10);
      expect(verdict(() => s.validateExtend(ext({ minutes: 5 })))).toBe(ErrorCode.IdempotencyMismatch);
    });

    it('when the rental has ended, then it is a conflict', () => {
      expect(verdict(() => ended().validateExtend(ext()))).toBe(ErrorCode.Conflict);
    });
  });

  describe('validateEnd', () => {
    it('when the renter or the owner ends, then it is accepted', () => {
      expect(verdict(() => rental().validateEnd({ byAccountId: 'renter' }))).toBe('accepted');
      expect(verdict(() => rental().validateEnd({ byAccountId: 'owner' }))).toBe('accepted');
    });

    it('when the bot of an owned agent ends, then it is forbidden', () => {
      expect(verdict(() => rental().validateEnd({ byAccountId: 'bot' }))).toBe(ErrorCode.Forbidden);
    });

    it('when a bot that is its own owner ends, then it is accepted', () => {
      const s = rental({ ownerId: 'bot' });
      expect(verdict(() => s.validateEnd({ byAccountId: 'bot' }))).toBe('accepted');
    });

    it('when a stranger ends, then it is not found', () => {
      expect(verdict(() => rental().validateEnd({ byAccountId: 'stranger' }))).toBe(ErrorCode.NotFound);
    });

    it('when an operator ends, then it is accepted whoever the account is', () => {
      expect(verdict(() => rental().validateEnd({ byAccountId: 'admin', byOperator: true }))).toBe(
        'accepted',
      );
    });

    it('when the rental has already ended, then it is a conflict', () => {
      expect(verdict(() => ended().validateEnd({ byAccountId: 'renter' }))).toBe(ErrorCode.Conflict);
    });
  });

  describe('validateMessage', () => {
    it('when a participant posts text, then it is accepted', () => {
      for (const senderId of ['renter', 'bot', 'owner'])
        expect(verdict(() => rental().validateMessage({ senderId, content: 'hi' }))).toBe('accepted');
    });

    it('when a stranger posts, then it is not found', () => {
      expect(verdict(() => rental().validateMessage({ senderId: 'stranger', content: 'hi' }))).toBe(
        ErrorCode.NotFound,
      );
    });

    it('when the content is blank or too long, then it is a validation error', () => {
      expect(verdict(() => rental().validateMessage({ senderId: 'renter', content: '  ' }))).toBe(
        ErrorCode.Validation,
      );
      expect(
        verdict(() =>
          rental().validateMessage({ senderId: 'renter', content: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }),
        ),
      ).toBe(ErrorCode.Validation);
      expect(
        verdict(() =>
          rental().validateMessage({ senderId: 'renter', content: 'x'.repeat(MAX_MESSAGE_CHARS) }),
        ),
      ).toBe('accepted');
    });

    it('when the rental has ended, then a message is refused as rental ended', () => {
      expect(verdict(() => ended().validateMessage({ senderId: 'renter', content: 'hi' }))).toBe(
        ErrorCode.RentalEnded,
      );
    });
  });

  describe('validateChat', () => {
    it('when the renter chats, then it is accepted', () => {
      expect(verdict(() => rental().validateChat({ renterId: 'renter', message: 'hi' }))).toBe('accepted');
    });

    it('when anyone but the renter chats, then it is not found', () => {
      expect(verdict(() => rental().validateChat({ renterId: 'owner', message: 'hi' }))).toBe(
        ErrorCode.NotFound,
      );
    });

    it('when the message is blank or too long, then it is a validation error', () => {
      expect(verdict(() => rental().validateChat({ renterId: 'renter', message: '' }))).toBe(
        ErrorCode.Validation,
      );
      expect(
        verdict(() => rental().validateChat({ renterId: 'renter', message: 'x'.repeat(MAX_CHAT_CHARS + 1) })),
      ).toBe(ErrorCode.Validation);
    });

    it('when the rental has ended, then a chat is refused as not active', () => {
      expect(verdict(() => ended().validateChat({ renterId: 'renter', message: 'hi' }))).toBe(
        ErrorCode.RentalNotActive,
      );
    });
  });

  describe('the warning', () => {
    it('when more than five minutes are left, then no warning is due and the next deadline is the warning', () => {
      const s = rental();
      expect(s.warningDue(T0 + 24 * MINUTE)).toBe(false);
      expect(s.msUntilNextDeadline(T0 + 24 * MINUTE)).toBe(MINUTE);
    });

    it('when five minutes are left, then the warning is due once, and after it the next deadline is the end', () => {
      const s = rental();
      expect(s.warningDue(T0 + 25 * MINUTE)).toBe(true);
      s.markWarned();
      expect(s).toMatchObject({ status: 'ending_soon', warnings: 1 });
      expect(s.warningDue(T0 + 26 * MINUTE)).toBe(false);
      expect(s.msUntilNextDeadline(T0 + 26 * MINUTE)).toBe(4 * MINUTE);
    });

    it('when an extension moves the end after the warning, then it is active again and the warning re-arms', () => {
      const s = rental();
      s.markWarned();
      s.applyExtension(10);
      expect(s.status).toBe('active');
      expect(s.warningDue(T0 + 26 * MINUTE)).toBe(false);
      expect(s.warningDue(T0 + 35 * MINUTE)).toBe(true);
    });

    it('when the rental has ended, then no warning is due', () => {
      expect(ended().warningDue(T0 + 29 * MINUTE)).toBe(false);
    });
  });

  describe('extension and end', () => {
    it('when an extension is applied, then the paid minutes and the end move together', () => {
      const s = rental();
      s.applyExtension(15);
      expect(s.paidMinutes).toBe(45);
      expect(s.endsAtMs).toBe(T0 + 45 * MINUTE);
    });

    it('when an extension lands after the end, then it is paid (to be refunded) but the end does not move', () => {
      const s = ended();
      s.applyExtension(15);
      expect(s.paidMinutes).toBe(45);
      expect(s.endsAtMs).toBe(T0 + 30 * MINUTE);
      expect(s.status).toBe('ended');
    });

    it('when an end is requested, then who ended it follows the role (operator first)', () => {
      const s = rental();
      expect(s.endedByOf({ byAccountId: 'renter' })).toBe('renter');
      expect(s.endedByOf({ byAccountId: 'owner' })).toBe('owner');
      expect(s.endedByOf({ byAccountId: 'bot' })).toBe('owner');
      expect(s.endedByOf({ byAccountId: 'renter', byOperator: true })).toBe('operator');
    });

    it('when a rental is ended twice, then the second end is a conflict and the first stands', () => {
      const s = ended();
      expect(verdict(() => s.end('owner', 'again', T0 + 20 * MINUTE))).toBe(ErrorCode.Conflict);
      expect(s).toMatchObject({ endedBy: 'renter', endedAtMs: T0 + 10 * MINUTE });
    });
  });

  describe('settlement', () => {
    it('when ended during minute 10 of 30, then 10 minutes are billed and 20 refunded', () => {
      const s = rental();
      s.end('renter', 'done', T0 + 9 * MINUTE + 30_000);
      expect(s.computeSettlement()).toEqual({
        billedMinutes: 10,
        ownerGross: 10 * PRICE,
        refund: 20 * PRICE,
      });
    });

    it('when ended by the clock, then every paid minute is billed and nothing refunded', () => {
      const s = rental();
      s.end('clock', 'time is up', s.endsAtMs);
      expect(s.computeSettlement()).toEqual({ billedMinutes: 30, ownerGross: 30 * PRICE, refund: 0 });
    });

    it('when the read model is written before the settlement, then it carries no ended block', () => {
      const s = ended();
      expect(s.stateUpdate().ended).toBeUndefined();
      s.computeSettlement();
      expect(s.stateUpdate().ended).toEqual({
        endedAtMs: T0 + 10 * MINUTE,
        endedBy: 'renter',
        billedMinutes: 10,
        ownerGross: 10 * PRICE,
        refund: 20 * PRICE,
      });
    });

    it('when the read model is written again, then each write has a higher revision', () => {
      const s = rental();
      const revisions = [s.stateUpdate().revision, s.stateUpdate().revision, s.stateUpdate().revision];
      expect(revisions).toEqual([1, 2, 3]);
    });
  });

  describe('messages and chat answers', () => {
    it('when messages are taken, then sequence numbers count up from 1', () => {
      const s = rental();
      expect([s.takeSeq(), s.takeSeq(), s.takeSeq()]).toEqual([1, 2, 3]);
    });

    it('when the bot writes after a chat message, then that is the reply to it', () => {
      const s = rental();
      s.recordMessage(1, 'renter', 'hello');
      expect(s.botReplyAfter(1)).toBeUndefined();
      s.recordMessage(2, 'bot', 'hi');
      expect(s.botReplyAfter(1)).toBe('hi');
      expect(s.botReplyAfter(2)).toBeUndefined();
    });

    it('when a chat got no reply in time, then the bot’s later messages are owed and come first in the next answer', () => {
      const s = rental();
      expect(s.chatAnswer(1, undefined)).toBeUndefined();
      s.recordMessage(2, 'bot', 'late reply');
      expect(s.chatAnswer(3, 'new reply')).toBe('late reply\n\nnew reply');
      expect(s.unseenReplies).toBeNull();
    });

    it('when a chat is answered in time, then nothing is owed afterwards', () => {
      const s = rental();
      s.recordMessage(2, 'bot', 'reply');
      expect(s.chatAnswer(1, 'reply')).toBe('reply');
      s.recordMessage(3, 'bot', 'unprompted');
      expect(s.unseenReplies).toBeNull();
    });
  });

  describe('the silence guard reading the transcript', () => {
    const guarded = () => {
      const s = rental({ maxSilenceMinutes: 10 });
      s.silenceLimitMs = 10 * MINUTE;
      s.noteUnanswered(1, T0);
      return s;
    };

    it('when a renter message is noted while the read found everything answered, then the guard times that message', () => {
      const s = guarded();
      s.beginSilenceCheck();
      s.noteUnanswered(3, T0 + 11 * MINUTE);
      expect(s.endSilenceCheck({ kind: 'answered' })).toBe(false);
      expect(s.silentSince).toEqual({ seq: 3, sinceMs: T0 + 11 * MINUTE });
    });

    it('when nothing is noted while the read found everything answered, then the guard is disarmed', () => {
      const s = guarded();
      s.beginSilenceCheck();
      expect(s.endSilenceCheck({ kind: 'answered' })).toBe(false);
      expect(s.silentSince).toBeNull();
    });

    it('when the agent answers here while the read found silence, then the rental does not end for it', () => {
      const s = guarded();
      s.beginSilenceCheck();
      s.recordMessage(2, 'bot', 'here I am', false, T0 + 10 * MINUTE);
      expect(s.endSilenceCheck({ kind: 'silent', seq: 1 })).toBe(false);
      expect(s.silentSince).toBeNull();
    });

    it('when the agent answers and the renter writes again during the read, then silence times the new message', () => {
      const s = guarded();
      s.beginSilenceCheck();
      s.recordMessage(2, 'bot', 'here I am', false, T0 + 10 * MINUTE);
      s.recordMessage(3, 'renter', 'and now?', false, T0 + 10 * MINUTE + 1);
      expect(s.endSilenceCheck({ kind: 'silent', seq: 1 })).toBe(false);
      expect(s.silentSince).toEqual({ seq: 3, sinceMs: T0 + 10 * MINUTE + 1 });
    });

    it('when nothing comes during the read and it found silence, then the silence stands', () => {
      const s = guarded();
      s.beginSilenceCheck();
      expect(s.endSilenceCheck({ kind: 'silent', seq: 1 })).toBe(true);
    });

    it('when the read found a younger unanswered message, then the guard times it from when it was stored', () => {
      const s = guarded();
      s.beginSilenceCheck();
      s.noteUnanswered(4, T0 + 11 * MINUTE);
      expect(s.endSilenceCheck({ kind: 'waiting', since: { seq: 2, sinceMs: T0 + 5 * MINUTE } })).toBe(false);
      expect(s.silentSince).toEqual({ seq: 2, sinceMs: T0 + 5 * MINUTE });
    });
  });

  describe('continue-as-new', () => {
    it('when a rental is carried into a new run, then the new state is the same rental', () => {
      const s = rental();
      s.markWarned();
      s.applyExtension(10);
      s.extensions['q-1'] = 10;
      s.takeSeq();
      s.recordMessage(1, 'bot', 'hi');
      s.stateUpdate();
      const next = new RentalState(s.carry(), T0 + 20 * MINUTE);
      expect(next.view()).toEqual(s.view());
      expect(next).toMatchObject({
        nextSeq: 2,
        revision: 1,
        lastBotMessage: { seq: 1, content: 'hi' },
        extensions: { 'q-1': 10 },
        warnedForEndsAtMs: s.warnedForEndsAtMs,
      });
    });

    it('when carried twice, then the input holds only the latest carried state', () => {
      const once = new RentalState(rental().carry(), T0);
      expect(once.carry().carried?.startsAtMs).toBe(T0);
      expect(once.carry().carried).not.toHaveProperty('carried');
    });
  });
});
