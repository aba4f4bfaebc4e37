import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { harnessActivities } from '../fixtures/harness-activities';
import { harnessGreetWorkflow } from '../fixtures/harness-workflows';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';

describe('integration harness', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('round-trips a workflow through the dev server with a real activity', async () => {
    const taskQueue = `harness-${randomUUID()}`;
    const worker = await Worker.create({
      connection: await (
        await import('@temporalio/worker')
      ).NativeConnection.connect({
        address: stack.config.TEMPORAL_ADDRESS,
      }),
      taskQueue,
      workflowsPath: require.resolve('../fixtures/harness-workflows'),
      activities: harnessActivities,
    });
    const workflowId = `harness-greet-${randomUUID()}`;
    const result = await worker.runUntil(
      stack.client.workflow.execute(harnessGreetWorkflow, { taskQueue, workflowId, args: ['agentrent'] }),
    );
    expect(result).toBe('hello, agentrent');
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, workflowId, 'harness-greet');
  });

  it('serves /health as 200 with postgres and temporal ok', async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok' });
  });
});
