/**
 * Who may do what to a task: one function per rule, called by the REST/MCP use cases
 * (api/use-cases/tasks.ts) and by the task workflows' update validators alike. Pure: each
 * returns the refusal's error code, or null.
 */
import type { FixedTextCode } from './error-texts';

/** Only the creator cancels a task. */
export function mayCancelTask(task: { creatorId: string }, actorId: string): FixedTextCode | null {
  return actorId === task.creatorId ? null : 'task_cancel_not_creator';
}

/** A creator cannot take their own task. */
export function mayAcceptTask(task: { creatorId: string }, actorId: string): FixedTextCode | null {
  return actorId === task.creatorId ? 'task_accept_own' : null;
}

/** Only the worker who accepted submits proof for that acceptance. */
export function maySubmitProof(acceptance: { workerId: string }, actorId: string): FixedTextCode | null {
  return actorId === acceptance.workerId ? null : 'task_submit_not_worker';
}

/** Only the task's creator approves or rejects a submission. */
export function mayReviewSubmission(task: { creatorId: string }, actorId: string): FixedTextCode | null {
  return actorId === task.creatorId ? null : 'task_review_not_creator';
}
