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
import {
  AGENT_HEALTH_INTERVAL,
  AGENT_HEALTH_SCHEDULE_ID,
  AGENT_HEALTH_WORKFLOW_TYPE,
  type AgentHealthChecksWorkflow,
  agentHealthStartOptions,
} from '../workflows/agent-health/contract';
import {
  IDEMPOTENCY_KEY_PURGE_INTERVAL,
  IDEMPOTENCY_KEY_PURGE_SCHEDULE_ID,
  IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
  idempotencyKeyPurgeStartOptions,
  AUDIT_COMPLETION_INTERVAL,
  AUDIT_COMPLETION_SCHEDULE_ID,
  AUDIT_COMPLETION_WORKFLOW_TYPE,
  auditCompletionStartOptions,
  type CompleteOpenAuditsWorkflow,
  ORPHAN_BLOB_SWEEP_INTERVAL,
  ORPHAN_BLOB_SWEEP_SCHEDULE_ID,
  ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
  orphanBlobSweepStartOptions,
  type PurgeExpiredIdempotencyKeysWorkflow,
  type SweepOrphanFileBlobsWorkflow,
} from '../workflows/maintenance/contract';
import {
  RECONCILER_INTERVAL,
  RECONCILER_SCHEDULE_ID,
  RECONCILER_WORKFLOW_TYPE,
  type ReconcilerWorkflow,
  reconcilerStartOptions,
} from '../workflows/reconciler/contract';

export interface EnsureSchedulesOptions {
  taskQueue: string;
  /** Tests use their own id so parallel stacks never share (or steal) the production schedule. */
  agentHealthScheduleId?: string;
  /** As above, for the daily idempotency-key purge. */
  idempotencyKeyPurgeScheduleId?: string;
  /** As above, for the held-balance reconciler. */
  reconcilerScheduleId?: string;
  /** As above, for the hourly orphan-blob sweep. */
  orphanBlobSweepScheduleId?: string;
  /** As above, for the audit-completion sweep. */
  auditCompletionScheduleId?: string;
}

export async function ensureSchedules(client: Client, opts: EnsureSchedulesOptions): Promise<void> {
  const scheduleId = opts.agentHealthScheduleId ?? AGENT_HEALTH_SCHEDULE_ID;
  const definition: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<AgentHealthChecksWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: AGENT_HEALTH_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: AGENT_HEALTH_WORKFLOW_TYPE,
      // Temporal appends the scheduled time, so each run's id is `<scheduleId>-<time>`.
      ...agentHealthStartOptions(scheduleId, opts.taskQueue),
    },
    // A slow run must not pile up behind itself; a missed run is simply the next one.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
  await upsertSchedule(client, scheduleId, definition);

  const purgeId = opts.idempotencyKeyPurgeScheduleId ?? IDEMPOTENCY_KEY_PURGE_SCHEDULE_ID;
  const purge: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<PurgeExpiredIdempotencyKeysWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: IDEMPOTENCY_KEY_PURGE_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
      // No retention here: the worker's IDEMPOTENCY_KEY_RETENTION_HOURS applies when a run starts.
      ...idempotencyKeyPurgeStartOptions(purgeId, opts.taskQueue),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  await upsertSchedule(client, purgeId, purge);

  const reconcilerId = opts.reconcilerScheduleId ?? RECONCILER_SCHEDULE_ID;
  const reconciler: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<ReconcilerWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: RECONCILER_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: RECONCILER_WORKFLOW_TYPE,
      // No grace here: the worker's RECONCILER_GRACE_MINUTES applies when a run starts.
      ...reconcilerStartOptions(reconcilerId, opts.taskQueue),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  };
  await upsertSchedule(client, reconcilerId, reconciler);

  const sweepId = opts.orphanBlobSweepScheduleId ?? ORPHAN_BLOB_SWEEP_SCHEDULE_ID;
  const sweep: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<SweepOrphanFileBlobsWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: ORPHAN_BLOB_SWEEP_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
      // No age here: the activity's minimum (an hour) applies.
      ...orphanBlobSweepStartOptions(sweepId, opts.taskQueue),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  await upsertSchedule(client, sweepId, sweep);

  const auditId = opts.auditCompletionScheduleId ?? AUDIT_COMPLETION_SCHEDULE_ID;
  const audit: Omit<
    ScheduleOptions<ScheduleOptionsStartWorkflowAction<CompleteOpenAuditsWorkflow>>,
    'scheduleId'
  > = {
    spec: { intervals: [{ every: AUDIT_COMPLETION_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: AUDIT_COMPLETION_WORKFLOW_TYPE,
      ...auditCompletionStartOptions(auditId, opts.taskQueue),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  };
  await upsertSchedule(client, auditId, audit);
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
