/**
 * Asking a workflow for an update, again when no worker ever saw it.
 *
 * The server rejects an update with an `UnprocessedUpdate` failure when the workflow task that
 * carried it was completed without an answer to it. The Node SDK's core does that, now and then,
 * when updates race a workflow task it had to drop ("Task not found when completing", then
 * "There are unprocessed protocol messages"): seen as one 500 in twelve concurrent rental
 * messages racing the rental's end. The workflow's history holds nothing of it, and the workflow
 * then accepts or refuses the second ask as it would have the first. But a task the worker dropped
 * may already have run the handler's local activities, whose writes are outside the history: an
 * update asked again must write under keys the caller chose (the rental message's and the chat
 * message's `messageId`, an extension's `requestId`), so the redo finds its first write instead of
 * making a second.
 */
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';

/** The server's failure type for an update no worker answered (temporal: update/errors_failures.go). */
export const UNPROCESSED_UPDATE = 'UnprocessedUpdate';

/** A few: each rejection is a dropped workflow task, not a slow worker; past these, it is a fault. */
const ATTEMPTS = 3;

export function isUnprocessedUpdate(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === UNPROCESSED_UPDATE
  );
}

/** Runs `ask` (one executeUpdate or executeUpdateWithStart) until an update is processed. */
export async function untilProcessed<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isUnprocessedUpdate(err)) throw err;
    }
  }
}
