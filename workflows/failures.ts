/**
 * Workflow side of activities/failures.ts: the retry policies every workflow uses and how a
 * workflow tells a permanent activity failure (nothing a retry can fix) from any other.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  type RetryPolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { createOperatorAlertActivities } from '../activities/operator-alerts';
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

const alerts = proxyActivities<ReturnType<typeof createOperatorAlertActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: retryTransient({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});

/**
 * Runs a bookkeeping workflow's body; an activity of it failing for good (see
 * activities/operator-alerts.ts) is recorded as an operator alert, then fails the workflow as
 * before — instead of the step being retried for ever. `isAlert` leaves out failures the
 * workflow answers itself (e.g. a refused withdrawal hold). A local activity's failure arrives
 * as its bare ApplicationFailure, a regular one's inside an ActivityFailure.
 */
export async function alertOnPermanentFailure<T>(
  kind: string,
  body: () => Promise<T>,
  isAlert: (err: unknown) => boolean = isPermanentFailure,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isAlert(err)) await raiseAlert(kind, err);
    throw err;
  }
}

async function raiseAlert(kind: string, err: unknown): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const failure = applicationFailureOf(err);
  const step = err instanceof ActivityFailure ? err.activityType : 'local-activity';
  await alerts.raiseOperatorAlert({
    kind,
    subject: `${workflowId}:${step}`,
    errorType: failure?.type ?? 'UNKNOWN',
    message: failure?.message ?? String(err),
    details: { run_id: runId, failure: failure?.details?.[0] ?? null },
  });
}

/** A webhook attempt that cannot be recorded settles its delivery as failed (dead letter). */
export async function deadLetterDelivery(
  deliveryId: string,
  err: unknown,
): Promise<{ state: 'failed'; outcome: 'dead_lettered'; status: null; successorId: string | null }> {
  if (!isPermanentFailure(err)) throw err;
  const failure = applicationFailureOf(err);
  const { successorId } = await alerts.deadLetterWebhookDelivery({
    deliveryId,
    workflowId: workflowInfo().workflowId,
    errorType: failure?.type ?? 'UNKNOWN',
    message: failure?.message ?? String(err),
  });
  return { state: 'failed', outcome: 'dead_lettered', status: null, successorId };
}

/** A business failure passed on to the caller as it came, details (e.g. the spend cap's Retry-After) included. */
export const passOn = (cause: ApplicationFailure): ApplicationFailure =>
  ApplicationFailure.create({
    message: cause.message,
    type: cause.type ?? undefined,
    nonRetryable: true,
    details: cause.details ?? undefined,
  });
