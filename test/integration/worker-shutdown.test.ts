/**
 * SIGTERM to a worker process while an activity runs: the worker stops polling, lets the activity
 * finish, reports its result to Temporal, and only then exits (createWorker's shutdownGraceTime).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { shutdownActivities } from '../fixtures/shutdown-activities';
import { slowEchoWorkflow } from '../fixtures/shutdown-workflows';
import { type Stack, startStack } from '../harness/stack';
import { spawnWorkerProcess } from '../harness/worker-process';

function waitForOutput(read: () => string, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (read().includes(text)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`no "${text}" in worker output:\n${read()}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('worker graceful shutdown', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets an in-flight activity finish and records its result when the worker gets SIGTERM', async () => {
    const worker = spawnWorkerProcess(stack.config, {}, 'test/fixtures/shutdown-worker.ts');
    let output = '';
    worker.child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    worker.child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await worker.ready;

    const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
    const handle = await stack.client.workflow.start(slowEchoWorkflow, {
      taskQueue,
      workflowId: `worker-shutdown-${randomUUID()}`,
      args: ['graceful', 3_000],
    });
    await waitForOutput(() => output, 'slowEcho started graceful');

    const exitCode = await worker.kill('SIGTERM');
    expect(exitCode).toBe(0);
    expect(output).toMatch(/slowEcho finished graceful[\s\S]*worker stopped/);

    const events = (await handle.fetchHistory()).events ?? [];
    const completed = events.filter((e) => e.activityTaskCompletedEventAttributes);
    expect(completed).toHaveLength(1);
    const payload = completed[0].activityTaskCompletedEventAttributes!.result!.payloads![0];
    expect(defaultPayloadConverter.fromPayload(payload)).toBe('echo:graceful');
    expect(
      events.some((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes),
    ).toBe(false);

    // A new worker picks the workflow up from the recorded result; the activity does not run again.
    const connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
    try {
      const next = await Worker.create({
        connection,
        taskQueue,
        workflowsPath: require.resolve('../fixtures/shutdown-workflows'),
        activities: {
          slowEcho: () => Promise.reject(new Error('the activity must not run a second time')),
        } satisfies Partial<typeof shutdownActivities>,
      });
      expect(await next.runUntil(handle.result())).toBe('echo:graceful');
    } finally {
      await connection.close();
    }
  }, 120_000);
});
