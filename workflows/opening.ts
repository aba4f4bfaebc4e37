/**
 * The first step of a workflow that opens its business object — writes its row and holds its money
 * or slot in one local activity — and answers an update-with-start (`taskOpened`, `acceptanceOpened`,
 * `serviceOrderOpened`) once that step ended: with the state, or with the step's refusal as it came.
 * The task, task-review and service-order state classes extend it.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { ErrorCode } from '../domain/errors';
import { passOn } from './failures';

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

  /** The answer of the opening update once the step ended (`opened` is set). */
  openedOutcome(): View {
    if (!this.opened)
      throw this.openFailure ?? ApplicationFailure.nonRetryable(this.notOpenedText, ErrorCode.Unavailable);
    return this.view();
  }
}
