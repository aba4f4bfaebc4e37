/**
 * An update the server rejected because no worker answered it (`UnprocessedUpdate`) never ran a
 * handler: the API asks again, a few times. Any other outcome is the workflow's answer and stands.
 */
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { UNPROCESSED_UPDATE, untilProcessed } from '../../api/workflow-updates';

const unprocessed = () =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type: UNPROCESSED_UPDATE, nonRetryable: true, message: 'not processed' }),
  );
const refused = () =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type: 'VALIDATION', nonRetryable: true, message: 'rental ended' }),
  );

function asking(outcomes: Array<Error | string>) {
  let calls = 0;
  const ask = () => {
    const outcome = outcomes[Math.min(calls++, outcomes.length - 1)];
    return typeof outcome === 'string' ? Promise.resolve(outcome) : Promise.reject(outcome);
  };
  return { ask, calls: () => calls };
}

it('asks again after an update no worker processed, and answers with the next outcome', async () => {
  const a = asking([unprocessed(), 'stored']);
  await expect(untilProcessed(a.ask)).resolves.toBe('stored');
  expect(a.calls()).toBe(2);
});

it('does not ask again when the workflow refused the update: the refusal is the answer', async () => {
  const a = asking([refused(), 'stored']);
  await expect(untilProcessed(a.ask)).rejects.toMatchObject({ cause: { type: 'VALIDATION' } });
  expect(a.calls()).toBe(1);
});

it('gives up after three unprocessed rejections and throws the last', async () => {
  const a = asking([unprocessed()]);
  await expect(untilProcessed(a.ask)).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  expect(a.calls()).toBe(3);
});
