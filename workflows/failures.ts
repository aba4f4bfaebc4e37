/**
 * Workflow side of activities/failures.ts: the retry policies every workflow uses and how a
 * workflow tells a permanent activity failure (nothing a retry can fix) from any other.
 */
import { ActivityFailure, ApplicationFailure, type RetryPolicy } from '@temporalio/workflow';
import { ErrorCode, PERMANENT_ERROR_CODES } from '../domain/errors';

/**
 * Retried until it succeeds, but never on a failure that cannot pass: the business codes and
 * INVALID_DATA (the activities throw those non-retryable anyway; listing them here keeps a policy
 * honest even for an error thrown as retryable by mistake).
 */
export function retryTransient(policy: Omit<RetryPolicy, 'nonRetryableErrorTypes'>): RetryPolicy {
  return { ...policy, nonRetryableErrorTypes: [...PERMANENT_ERROR_CODES] };
}

/** The ApplicationFailure inside an activity's failure, if there is one. */
export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause;
  return undefined;
}

/** True for an activity failure that retrying cannot fix (a data error or a business refusal). */
export function isPermanentFailure(err: unknown): boolean {
  const failure = applicationFailureOf(err);
  return !!failure && (failure.nonRetryable || PERMANENT_ERROR_CODES.includes(failure.type ?? ''));
}

/** True when the database refused a value the activity tried to store. */
export function isInvalidData(err: unknown): boolean {
  return applicationFailureOf(err)?.type === ErrorCode.InvalidData;
}
