import { ApplicationFailure } from '@temporalio/common';

/**
 * What a state class's validator or transition decided, as one comparable string: `accepted`, or
 * the failure's type and message (flagged when it would be retried, which a refusal must never be).
 */
export function verdict(check: () => unknown): string {
  try {
    check();
    return 'accepted';
  } catch (err) {
    return err instanceof ApplicationFailure
      ? `${err.type}${err.nonRetryable ? '' : ' (retryable!)'}: ${err.message}`
      : String(err);
  }
}
