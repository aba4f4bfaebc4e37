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
import {
  IDEMPOTENCY_KEY_PURGE_INTERVAL,
  IDEMPOTENCY_KEY_PURGE_SCHEDULE_ID,
  purgeExpiredIdempotencyKeysWorkflow,
} from '../workflows/maintenance';
import { RECONCILER_INTERVAL, RECONCILER_SCHEDULE_ID, reconcilerWorkflow } from '../workflows/reconciler';

export interface EnsureSchedulesOptions {
  taskQueue: string;
  /** Tests use their own id so parallel stacks never share (or steal) the production schedule. */
  agentHealthScheduleId?: string;
  /** As above, for the daily idempotency-key purge. */
  idempotencyKeyPurgeScheduleId?: string;
  /** As above, for the held-balance reconciler. */
  reconcilerScheduleId?: string;
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
      staticSummary: 'Health check of every proxy agent webhook',
    },
    // A slow run must not pile up behind itself; a missed run is simply the next one.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
  await upsertSchedule(client, scheduleId, definition);

  const purgeId = opts.idempotencyKeyPurgeScheduleId ?? IDEMPOTENCY_KEY_PURGE_SCHEDULE_ID;
  const purge: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof purgeExpiredIdempotencyKeysWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: IDEMPOTENCY_KEY_PURGE_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: purgeExpiredIdempotencyKeysWorkflow,
      workflowId: purgeId,
      taskQueue: opts.taskQueue,
      // No retention here: the worker's IDEMPOTENCY_KEY_RETENTION_HOURS applies when a run starts.
      args: [{}],
      workflowExecutionTimeout: '2 hours',
      typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'maintenance' }],
      staticSummary: 'Daily purge of expired idempotency keys',
      memo: {
        summary: 'Daily purge of idempotency keys older than IDEMPOTENCY_KEY_RETENTION_HOURS (≥ 24 h)',
      },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  await upsertSchedule(client, purgeId, purge);

  const reconcilerId = opts.reconcilerScheduleId ?? RECONCILER_SCHEDULE_ID;
  const reconciler: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof reconcilerWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: RECONCILER_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: reconcilerWorkflow,
      workflowId: reconcilerId,
      taskQueue: opts.taskQueue,
      // No grace here: the worker's RECONCILER_GRACE_MINUTES applies when a run starts.
      args: [{}],
      workflowExecutionTimeout: '1 hour',
      typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'reconciler' }],
      staticSummary: 'Reconciler: held or escrow money whose owner workflow is closed or missing',
      memo: {
        summary:
          'Held/escrow balances whose owner workflow is closed or missing go back to available (reconciler_repairs)',
      },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  };
  await upsertSchedule(client, reconcilerId, reconciler);
}

/** Creates the schedule, or brings an existing one with this id up to `definition`. */
async function upsertSchedule(
  client: Client,
  scheduleId: string,
  definition: Omit<ScheduleOptions, 'scheduleId'>,
): Promise<void> {
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
