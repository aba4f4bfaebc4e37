import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { harnessActivities } from '../fixtures/harness-activities';
import { harnessLongTimerWorkflow } from '../fixtures/harness-workflows';
import { createTimeSkippingEnv } from '../harness/time-skipping';

describe('time-skipping harness', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('finishes a workflow with a one-hour timer in seconds of wall time', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'harness-time-skipping',
      workflowsPath: require.resolve('../fixtures/harness-workflows'),
      activities: harnessActivities,
    });
    const started = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(harnessLongTimerWorkflow, {
        taskQueue: 'harness-time-skipping',
        workflowId: `harness-timer-${Date.now()}`,
      }),
    );
    expect(result).toBe('woke after an hour');
    expect(Date.now() - started).toBeLessThan(60 * 60 * 1000);
  });
});
