/**
 * WithdrawalState as plain TypeScript (no server, no worker): when an operator may decide, what
 * review leaves to do, the hold's answer, and the send loop's transitions — the agreeing
 * `expired` answers that alone allow a new signature, attempts, the end, and continue-as-new.
 */
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { ErrorCode } from '../../domain/errors';
import type { WithdrawalInput } from '../../workflows/withdrawal/contract';
import { EXPIRY_AGREEING_LOOKUPS, WithdrawalState } from '../../workflows/withdrawal/state';
import { verdict } from '../harness/verdict';

const input = (over: Partial<WithdrawalInput> = {}): WithdrawalInput => ({
  withdrawalId: 'w-1',
  accountId: 'acct',
  amount: 10_000_000,
  fee: 1_000_000,
  net: 9_000_000,
  address: 'TXYZ',
  reviewTimeoutMs: 72 * 3600_000,
  pollIntervalMs: 3_000,
  fundsRetryMs: 60_000,
  confirmations: 19,
  ...over,
});
const inReview = () => {
  const w = new WithdrawalState(input());
  w.holdSucceeded();
  w.changeStatus('review', 'large_amount');
  return w;
};
const activityFailure = (cause: Error) =>
  new ActivityFailure(
    'holdWithdrawalFunds',
    'holdWithdrawalFunds',
    'a-1',
    RetryState.NON_RETRYABLE_FAILURE,
    'w',
    cause,
  );

describe('WithdrawalState', () => {
  describe('a new withdrawal', () => {
    it('when it starts, then it is queued, holding, attempt 1, nothing held yet', () => {
      const w = new WithdrawalState(input());
      expect(w.snapshot()).toEqual({
        status: 'queued',
        phase: 'holding',
        attempt: 1,
        txid: null,
        reason: null,
      });
      expect(w.held).toBeUndefined();
    });

    it('when a run continues, then it is held and resumes from the carried send state', () => {
      const carried = {
        status: 'broadcast' as const,
        reason: null,
        attempt: 2,
        txid: 'tx-2',
        expiredAnswers: 1,
        lastExpiredSolidified: 40,
      };
      const w = new WithdrawalState(input({ carried }));
      expect(w.held).toBe(true);
      expect(w.snapshot()).toMatchObject({ status: 'broadcast', attempt: 2, txid: 'tx-2' });
      expect(w.carry().carried).toEqual(carried);
    });
  });

  describe('the hold', () => {
    it('when the funds were held, then withdrawalAccepted answers queued', () => {
      const w = new WithdrawalState(input());
      w.holdSucceeded();
      expect(w.acceptedOutcome()).toEqual({ withdrawalId: 'w-1', status: 'queued' });
    });

    it('when the hold was refused with a business failure, then withdrawalAccepted passes it on with its details', () => {
      const w = new WithdrawalState(input());
      const refusal = ApplicationFailure.create({
        message: 'daily spend cap reached',
        type: 'SPEND_CAP',
        details: [{ retryAfterSeconds: 60 }],
      });
      const passed = w.holdRefused(activityFailure(refusal));
      expect(w.held).toBe(false);
      expect(passed).toMatchObject({
        message: 'daily spend cap reached',
        type: 'SPEND_CAP',
        nonRetryable: true,
        details: [{ retryAfterSeconds: 60 }],
      });
      expect(() => w.acceptedOutcome()).toThrow(passed!);
    });

    it('when the hold failed with no business failure, then withdrawalAccepted answers unavailable', () => {
      const w = new WithdrawalState(input());
      expect(w.holdRefused(activityFailure(new Error('boom')))).toBeUndefined();
      expect(verdict(() => w.acceptedOutcome())).toBe(`${ErrorCode.Unavailable}: funds could not be held`);
    });
  });

  describe('validateDecision', () => {
    it('when an operator decides on a withdrawal in review, then it is accepted', () => {
      expect(verdict(() => inReview().validateDecision({ approve: true, operatorId: 'op' }))).toBe(
        'accepted',
      );
    });

    it('when approve is not a boolean, then it is a validation error', () => {
      const bad = { approve: 'yes', operatorId: 'op' } as unknown as { approve: boolean; operatorId: string };
      expect(verdict(() => inReview().validateDecision(bad))).toBe(
        `${ErrorCode.Validation}: approve must be a boolean`,
      );
    });

    it('when the withdrawal is not in review, then a decision is a conflict naming its status', () => {
      expect(
        verdict(() => new WithdrawalState(input()).validateDecision({ approve: true, operatorId: 'op' })),
      ).toBe(`${ErrorCode.Conflict}: withdrawal is queued, not in review`);
    });

    it('when a decision was already taken, then a second one is a conflict', () => {
      const w = inReview();
      w.decide({ approve: false, operatorId: 'op' });
      expect(verdict(() => w.validateDecision({ approve: true, operatorId: 'op2' }))).toBe(
        `${ErrorCode.Conflict}: withdrawal is review, not in review`,
      );
    });
  });

  describe('review', () => {
    it('when an operator approves, then the answer shows it queued and review sends it', () => {
      const w = inReview();
      expect(w.decide({ approve: true, operatorId: 'op' }).status).toBe('queued');
      expect(w.reviewVerdict(true)).toEqual({ approve: true, operatorId: 'op' });
    });

    it('when an operator rejects with a reason, then the answer shows it rejected and review refunds with the reason', () => {
      const w = inReview();
      expect(w.decide({ approve: false, operatorId: 'op', reason: 'fraud' }).status).toBe('rejected');
      expect(w.reviewVerdict(true)).toEqual({ approve: false, reason: 'fraud', operatorId: 'op' });
    });

    it('when an operator rejects without a reason, then the refund says rejected by operator', () => {
      const w = inReview();
      w.decide({ approve: false, operatorId: 'op' });
      expect(w.reviewVerdict(true)).toEqual({
        approve: false,
        reason: 'rejected by operator',
        operatorId: 'op',
      });
    });

    it('when nobody decides in time, then review refunds with no decider', () => {
      expect(inReview().reviewVerdict(false)).toEqual({
        approve: false,
        reason: 'no review decision in time',
        operatorId: undefined,
      });
    });

    it('when the review is rejected, then the withdrawal is rejected with the reason', () => {
      const w = inReview();
      w.rejected('fraud');
      expect(w.snapshot()).toMatchObject({ status: 'rejected', reason: 'fraud' });
    });
  });

  describe('changeStatus', () => {
    it('when the status or the reason differs, then it changes and says so', () => {
      const w = new WithdrawalState(input());
      expect(w.changeStatus('waiting_funds', 'hot wallet short')).toBe(true);
      expect(w.snapshot()).toMatchObject({ status: 'waiting_funds', reason: 'hot wallet short' });
    });

    it('when status and reason are unchanged, then nothing changes (nothing to store)', () => {
      const w = new WithdrawalState(input());
      w.changeStatus('waiting_funds', 'hot wallet short');
      expect(w.changeStatus('waiting_funds', 'hot wallet short')).toBe(false);
    });

    it('when no reason is given, then the reason is cleared', () => {
      const w = new WithdrawalState(input());
      w.changeStatus('waiting_funds', 'hot wallet short');
      w.changeStatus('broadcast');
      expect(w.reason).toBeNull();
    });
  });

  describe('sending', () => {
    it('when an attempt is signed, then its txid is shown', () => {
      const w = new WithdrawalState(input());
      w.signed('tx-1');
      expect(w.snapshot().txid).toBe('tx-1');
    });

    it(`when ${EXPIRY_AGREEING_LOOKUPS} expired answers at rising heights agree, then (only then) a new attempt may be signed`, () => {
      const w = new WithdrawalState(input());
      expect(w.expiredAnswer(10)).toBe(false);
      expect(w.expiredAnswer(11)).toBe(false);
      expect(w.expiredAnswer(12)).toBe(true);
    });

    it('when an expired answer repeats a height already seen, then it does not count', () => {
      const w = new WithdrawalState(input());
      w.expiredAnswer(10);
      w.expiredAnswer(10);
      expect(w.expiredAnswer(9)).toBe(false);
      expect(w.expiredAnswers).toBe(1);
    });

    it('when an expired answer carries no height, then it counts as the next height', () => {
      const w = new WithdrawalState(input());
      w.expiredAnswer(undefined);
      w.expiredAnswer(undefined);
      expect(w.expiredAnswer(undefined)).toBe(true);
      expect(w.lastExpiredSolidified).toBe(2);
    });

    it('when any other answer comes between, then the agreeing expired answers start over', () => {
      const w = new WithdrawalState(input());
      w.expiredAnswer(10);
      w.expiredAnswer(11);
      w.notExpired();
      expect(w.expiredAnswer(12)).toBe(false);
    });

    it('when a new attempt starts, then the attempt counts up and the expiry evidence is reset', () => {
      const w = new WithdrawalState(input());
      w.expiredAnswer(10);
      w.nextAttempt();
      expect(w.snapshot().attempt).toBe(2);
      expect([w.expiredAnswers, w.lastExpiredSolidified]).toEqual([0, -1]);
    });

    it('when the transfer is solid, then it is confirmed and done', () => {
      const w = new WithdrawalState(input());
      w.changeStatus('broadcast');
      w.confirmed();
      expect(w.snapshot()).toMatchObject({ status: 'confirmed', phase: 'done' });
    });

    it('when the transfer failed on chain, then it is failed with the reason', () => {
      const w = new WithdrawalState(input());
      w.failed('REVERT');
      expect(w.snapshot()).toMatchObject({ status: 'failed', reason: 'REVERT' });
    });

    it('when it continues as new, then the next run gets the input with the send state carried', () => {
      const w = new WithdrawalState(input());
      w.signed('tx-1');
      w.changeStatus('broadcast');
      w.expiredAnswer(7);
      expect(w.carry()).toEqual({
        ...input(),
        carried: {
          status: 'broadcast',
          reason: null,
          attempt: 1,
          txid: 'tx-1',
          expiredAnswers: 1,
          lastExpiredSolidified: 7,
        },
      });
    });
  });
});
