/**
 * Temporal Schedules the platform needs, created idempotently at worker start: creating an
 * existing schedule updates it to today's definition instead (e.g. a changed task queue), so
 * every worker start converges on one schedule per id whatever ran before.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { SA } from '../domain/search-attributes';
import {
  AGENT_HEALTH_INTERVAL,
  AGENT_HEALTH_SCHEDULE_ID,
  agentHealthChecksWorkflow,
} from '../workflows/agent-health';

export interface EnsureSchedulesOptions {
  taskQueue: string;
  /** Tests use their own id so parallel stacks never share (or steal) the production schedule. */
  agentHealthScheduleId?: string;
}

export async function ensureSchedules(client: Client, opts: EnsureSchedulesOptions): Promise<void> {
  const scheduleId = opts.agentHealthScheduleId ?? AGENT_HEALTH_SCHEDULE_ID;
  const definition: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof agentHealthChecksWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: AGENT_HEALTH_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: agentHealthChecksWorkflow,
      // Temporal appends the scheduled time, so each run's id is `<scheduleId>-<time>`.
      workflowId: scheduleId,
      taskQueue: opts.taskQueue,
      args: [{}],
      workflowExecutionTimeout: '14 minutes',
      typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'agent-health' }],
      memo: { summary: 'Health check of every proxy agent webhook (POST /hooks/agent, X-Health-Check)' },
    },
    // A slow run must not pile up behind itself; a missed run is simply the next one.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
  try {
    await client.schedule.create({ scheduleId, ...definition });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec: definition.spec,
      action: definition.action,
      policies: definition.policies,
    }));
  }
}
