/**
 * One permission function per rule (domain/rental-permissions.ts, domain/task-permissions.ts),
 * the same for REST, MCP and the workflows' update validators: each answers null (allowed) or the
 * code of its refusal.
 */
import {
  mayChatInRental,
  mayEndRental,
  mayExtendRental,
  mayUseRentalMessages,
  mayViewRental,
  rentalRoleOf,
} from '../../domain/rental-permissions';
import {
  mayAcceptTask,
  mayCancelTask,
  mayReviewSubmission,
  maySubmitProof,
} from '../../domain/task-permissions';
import { RentalState } from '../../workflows/rental/state';

const parties = { renterId: 'renter', agentId: 'bot', ownerId: 'owner' };
const selfOwned = { renterId: 'renter', agentId: 'bot', ownerId: 'bot' };

describe('rental permissions', () => {
  it('names the role of each party and none for a stranger', () => {
    expect(['renter', 'bot', 'owner', 'stranger'].map((id) => rentalRoleOf(parties, id))).toEqual([
      'renter',
      'bot',
      'owner',
      undefined,
    ]);
  });

  it('shows a rental to its parties and operators; a stranger is told it does not exist', () => {
    expect(mayViewRental(parties, { accountId: 'owner' })).toBeNull();
    expect(mayViewRental(parties, { accountId: 'admin', operator: true })).toBeNull();
    expect(mayViewRental(parties, { accountId: 'stranger' })).toBe('rental_not_found');
  });

  it('lets only the parties read and post messages, operators included only as parties', () => {
    expect(['renter', 'bot', 'owner'].map((id) => mayUseRentalMessages(parties, id))).toEqual([
      null,
      null,
      null,
    ]);
    expect(mayUseRentalMessages(parties, 'admin')).toBe('rental_not_found');
  });

  it('lets only the renter chat', () => {
    expect(mayChatInRental(parties, 'renter')).toBeNull();
    expect(mayChatInRental(parties, 'bot')).toBe('rental_not_found');
  });

  it('lets only the renter extend; other parties and operators are refused, strangers not told', () => {
    expect(mayExtendRental(parties, { accountId: 'renter' })).toBeNull();
    expect(mayExtendRental(parties, { accountId: 'owner' })).toBe('rental_extend_not_renter');
    expect(mayExtendRental(parties, { accountId: 'bot' })).toBe('rental_extend_not_renter');
    expect(mayExtendRental(parties, { accountId: 'admin', operator: true })).toBe('rental_extend_not_renter');
    expect(mayExtendRental(parties, { accountId: 'stranger' })).toBe('rental_not_found');
  });

  it('lets the renter, the owner (a self-owned bot too) and an operator end; not a bot someone else owns', () => {
    expect(mayEndRental(parties, { accountId: 'renter' })).toBeNull();
    expect(mayEndRental(parties, { accountId: 'owner' })).toBeNull();
    expect(mayEndRental(selfOwned, { accountId: 'bot' })).toBeNull();
    expect(mayEndRental(parties, { accountId: 'admin', operator: true })).toBeNull();
    expect(mayEndRental(parties, { accountId: 'bot' })).toBe('rental_end_not_allowed');
    expect(mayEndRental(parties, { accountId: 'stranger' })).toBe('rental_not_found');
  });

  it('is what the rental workflow’s validators refuse with, code included', () => {
    const state = new RentalState(
      {
        rentalId: 'r',
        agentId: 'bot',
        agentName: 'bot',
        renterId: 'renter',
        renterUsername: 'renter',
        ownerId: 'owner',
        minutes: 10,
        pricePerMinute: 1,
        channel: 'API',
        eventsEnabled: false,
      },
      0,
    );
    const refusal = (fn: () => void) => {
      try {
        fn();
        return null;
      } catch (err) {
        return (err as { details?: { code?: string }[] }).details?.[0]?.code;
      }
    };
    expect(refusal(() => state.validateEnd({ byAccountId: 'bot', byOperator: false }))).toBe(
      'rental_end_not_allowed',
    );
    expect(refusal(() => state.validateExtend({ byAccountId: 'owner', minutes: 1, requestId: 'x' }))).toBe(
      'rental_extend_not_renter',
    );
    expect(refusal(() => state.validateChat({ renterId: 'bot', message: 'hi' }))).toBe('rental_not_found');
  });
});

describe('task permissions', () => {
  const task = { creatorId: 'creator' };

  it('lets only the creator cancel', () => {
    expect(mayCancelTask(task, 'creator')).toBeNull();
    expect(mayCancelTask(task, 'worker')).toBe('task_cancel_not_creator');
  });

  it('refuses a creator accepting their own task', () => {
    expect(mayAcceptTask(task, 'worker')).toBeNull();
    expect(mayAcceptTask(task, 'creator')).toBe('task_accept_own');
  });

  it('lets only the accepting worker submit proof', () => {
    expect(maySubmitProof({ workerId: 'worker' }, 'worker')).toBeNull();
    expect(maySubmitProof({ workerId: 'worker' }, 'creator')).toBe('task_submit_not_worker');
  });

  it('lets only the creator review a submission', () => {
    expect(mayReviewSubmission(task, 'creator')).toBeNull();
    expect(mayReviewSubmission(task, 'worker')).toBe('task_review_not_creator');
  });
});
