/**
 * Which activity errors are permanent (activities/failures.ts): what Postgres refuses because of
 * the values is a non-retryable INVALID_DATA; connection trouble and contention are retried.
 */
import { ApplicationFailure } from '@temporalio/common';
import { classifyActivityError, withFailureClassification } from '../../activities/failures';
import { AppError, ErrorCode } from '../../domain/errors';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

describe('activity failure classifier', () => {
  it.each([
    ['22021', 'invalid byte sequence (NUL in text)'],
    ['22P05', 'untranslatable character (\\u0000 in jsonb)'],
    ['22P02', 'invalid text representation (not a uuid)'],
    ['22003', 'numeric value out of range'],
    ['23502', 'not null violation'],
    ['23503', 'foreign key violation'],
    ['23514', 'check violation'],
    ['23505', 'a unique conflict the activity did not expect'],
    ['42703', 'undefined column'],
    ['54000', 'program limit exceeded'],
  ])('SQLSTATE %s (%s) is a non-retryable INVALID_DATA failure', (code) => {
    const failure = classifyActivityError(pgError(code));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ErrorCode.InvalidData, nonRetryable: true });
    expect((failure as ApplicationFailure).details?.[0]).toMatchObject({ sqlstate: code });
  });

  it.each([
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['57014', 'statement timeout'],
    ['57P01', 'admin shutdown'],
    ['53300', 'too many connections'],
    ['08006', 'connection failure'],
  ])('SQLSTATE %s (%s) stays retryable', (code) => {
    const err = pgError(code);
    expect(classifyActivityError(err)).toBe(err);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])('a Node %s stays retryable', (code) => {
    const err = Object.assign(new Error(code), { code });
    expect(classifyActivityError(err)).toBe(err);
  });

  it('a pool timeout or a dropped connection without a code stays retryable', () => {
    const err = new Error('Connection terminated unexpectedly');
    expect(classifyActivityError(err)).toBe(err);
  });

  it('a business AppError is non-retryable with its code; a passing one (Unavailable) is retried', () => {
    expect(
      classifyActivityError(new AppError(ErrorCode.InsufficientBalance, 'insufficient balance')),
    ).toMatchObject({ type: ErrorCode.InsufficientBalance, nonRetryable: true });
    const unavailable = new AppError(ErrorCode.Unavailable, 'try again');
    expect(classifyActivityError(unavailable)).toBe(unavailable);
  });

  it('an ApplicationFailure the activity threw is left as it is', () => {
    const retryable = ApplicationFailure.retryable('later', 'SOMETHING');
    expect(classifyActivityError(retryable)).toBe(retryable);
  });

  it('the wrapper classifies what an activity throws and passes results through', async () => {
    const wrapped = withFailureClassification({
      async ok(n: number) {
        return n + 1;
      },
      async refused() {
        throw pgError('22021');
      },
    });
    await expect(wrapped.ok(1)).resolves.toBe(2);
    await expect(wrapped.refused()).rejects.toMatchObject({
      type: ErrorCode.InvalidData,
      nonRetryable: true,
    });
  });
});
