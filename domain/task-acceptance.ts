/**
 * Whether a worker may take a slot of a task, decided under the task's row lock by the
 * `task-review-<acceptance_id>` workflow's first step (db/tasks.ts openTaskAcceptance), and the
 * business failure each refusal ends that workflow with (the API answers it: 404, 403 or 409).
 * Pure: the clock comes in as `nowMs`.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { businessFailure } from './errors';
import type { FixedTextCode } from './error-texts';
import { mayAcceptTask } from './task-permissions';
import type { TaskRow } from './task-store';

export type AcceptanceRefusal =
  { code: 'not_found' } | { code: 'conflict'; text: string } | { code: FixedTextCode };

export type OpenAcceptanceOutcome =
  /** `created` is false when the row was already there (a retried step, or a keyed retry). */
  { outcome: 'opened'; created: boolean } | { outcome: 'refused'; refusal: AcceptanceRefusal };

/** The checks of a new acceptance, in the order the API always made them; null when it may be taken. */
export function acceptanceRefusal(
  task: Pick<TaskRow, 'creator_id' | 'status' | 'expires_at' | 'slots' | 'slots_taken'>,
  workerId: string,
  workerHasRunningAcceptance: boolean,
  nowMs: number,
): AcceptanceRefusal | null {
  const own = mayAcceptTask({ creatorId: task.creator_id }, workerId);
  if (own) return { code: own };
  if (task.status !== 'open') return { code: 'conflict', text: `task is ${task.status}` };
  // Past expires_at the timer is about to refund the open slots: take no new acceptance.
  if (task.expires_at && task.expires_at.getTime() <= nowMs)
    return { code: 'conflict', text: 'task is expired' };
  if (workerHasRunningAcceptance) return { code: 'task_already_accepted' };
  if (task.slots_taken >= task.slots) return { code: 'task_no_free_slots' };
  return null;
}

/** The non-retryable failure of a refusal (its code travels in the details, see api/errors.ts). */
export function acceptanceRefusalFailure(refusal: AcceptanceRefusal): ApplicationFailure {
  switch (refusal.code) {
    case 'not_found':
      return businessFailure('not_found', 'task');
    case 'conflict':
      return businessFailure('conflict', refusal.text);
    default:
      return businessFailure(refusal.code);
  }
}
