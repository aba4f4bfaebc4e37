/**
 * domain/task-acceptance.ts: which refusal a new acceptance gets under the task's row lock, in the
 * order the API always checked, and the failure (kind, text, wire code) each one answers with.
 */
import { ErrorCode } from '../../domain/errors';
import { acceptanceRefusal, acceptanceRefusalFailure } from '../../domain/task-acceptance';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const openTask = (over: Partial<Parameters<typeof acceptanceRefusal>[0]> = {}) => ({
  creator_id: 'creator',
  status: 'open' as const,
  expires_at: new Date(NOW + 60_000),
  slots: 2,
  slots_taken: 0,
  ...over,
});
const refusalOf = (...args: Parameters<typeof acceptanceRefusal>) => {
  const refusal = acceptanceRefusal(...args);
  if (!refusal) return null;
  const failure = acceptanceRefusalFailure(refusal);
  return {
    type: failure.type,
    message: failure.message,
    code: (failure.details?.[0] as { code: string }).code,
  };
};

describe('acceptanceRefusal', () => {
  it('when a worker takes a free slot of an open task, then nothing refuses it', () => {
    expect(refusalOf(openTask(), 'worker', false, NOW)).toBeNull();
  });

  it('when the creator takes their own task, then it is forbidden before anything else', () => {
    expect(refusalOf(openTask({ status: 'cancelled', slots_taken: 2 }), 'creator', true, NOW)).toEqual({
      type: ErrorCode.Forbidden,
      message: 'you cannot accept your own task',
      code: 'task_accept_own',
    });
  });

  it('when the task is not open, then it is a conflict naming its status', () => {
    expect(refusalOf(openTask({ status: 'cancelled' }), 'worker', false, NOW)).toEqual({
      type: ErrorCode.Conflict,
      message: 'task is cancelled',
      code: 'conflict',
    });
  });

  it('when expires_at has passed, then it is a conflict even while the task still reads open', () => {
    expect(refusalOf(openTask({ expires_at: new Date(NOW) }), 'worker', false, NOW)).toEqual({
      type: ErrorCode.Conflict,
      message: 'task is expired',
      code: 'conflict',
    });
  });

  it('when the worker already runs an acceptance of the task, then it is refused before the slot count', () => {
    expect(refusalOf(openTask({ slots_taken: 2 }), 'worker', true, NOW)).toEqual({
      type: ErrorCode.Conflict,
      message: 'you already accepted this task',
      code: 'task_already_accepted',
    });
  });

  it('when every slot is taken, then it is refused', () => {
    expect(refusalOf(openTask({ slots_taken: 2 }), 'worker', false, NOW)).toEqual({
      type: ErrorCode.Conflict,
      message: 'no free slots left on this task',
      code: 'task_no_free_slots',
    });
  });

  it('when the task is missing, then the failure is the 404 of a task', () => {
    const failure = acceptanceRefusalFailure({ code: 'not_found' });
    expect([failure.type, failure.message, failure.nonRetryable]).toEqual([
      ErrorCode.NotFound,
      'task not found',
      true,
    ]);
  });
});
