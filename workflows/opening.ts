/**
 * The first step of a workflow that opens its business object — writes its row and holds its money
 * or slot in one local activity — and answers an update-with-start (`taskOpened`, `acceptanceOpened`,
 * `serviceOrderOpened`) once that step ended: with the state, or with the step's refusal as it came.
 * The task, task-review and service-order state classes extend it.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { allHandlersFinished, condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { ErrorCode } from '../domain/errors';
import { SA } from '../domain/search-attributes';
import { passOn } from './failures';

/** patched() id: a run whose first step was refused shows `BusinessStatus = refused`. */
const REFUSAL_SHOWN = 'opening-refusal-shown';

/**
 * Marks a run whose first step was refused (no funds, no free slot, …) as `refused` for operators,
 * instead of the status it was started with. Runs recorded before the patch keep that status.
 */
export function showRefused(): void {
  if (patched(REFUSAL_SHOWN)) upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'refused' }]);
}

export abstract class OpenedByFirstStep<View> {
  /** undefined until the first step wrote the row (true) or was refused (false). */
  opened: boolean | undefined;
  openFailure: ApplicationFailure | undefined;

  /** What the update says when the step failed without a business refusal (`unavailable`). */
  protected abstract readonly notOpenedText: string;

  abstract view(): View;

  /** The row (and its money or slot) was written. */
  openSucceeded(): void {
    this.opened = true;
  }

  /** The step failed: the business failure to answer with, as it came; undefined for anything else. */
  openRefused(err: unknown): ApplicationFailure | undefined {
    this.opened = false;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    this.openFailure = cause instanceof ApplicationFailure ? passOn(cause) : undefined;
    return this.openFailure;
  }

  /**
   * Ends the run after its first step failed: shows a refusal, lets the opening update answer,
   * then fails with the refusal as it came (or the error itself when it was not a refusal).
   */
  async endUnopened(err: unknown): Promise<never> {
    const refusal = this.openRefused(err);
    if (refusal) showRefused();
    await condition(allHandlersFinished);
    throw refusal ?? err;
  }

  /** The answer of the opening update once the step ended (`opened` is set). */
  openedOutcome(): View {
    if (!this.opened)
      throw this.openFailure ?? ApplicationFailure.nonRetryable(this.notOpenedText, ErrorCode.Unavailable);
    return this.view();
  }
}
