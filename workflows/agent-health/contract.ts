/**
 * The contract of the agent health checks: the `agent-health-checks` Temporal Schedule starts one
 * run every 15 minutes (worker/schedules.ts). Importable by workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { SA } from '../../domain/search-attributes';
import type { ScheduledStartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const AGENT_HEALTH_WORKFLOW_TYPE = 'agentHealthChecksWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type AgentHealthChecksWorkflow = (input?: AgentHealthChecksInput) => Promise<{ enqueued: number }>;

export const AGENT_HEALTH_SCHEDULE_ID = 'agent-health-checks';
export const AGENT_HEALTH_INTERVAL = '15 minutes' as const;
export const AGENT_HEALTH_PAGE_SIZE = 100;

export interface AgentHealthChecksInput {
  /** Set only by continue-as-new: where the previous run stopped, and its key and count. */
  afterId?: string | null;
  runKey?: string;
  enqueued?: number;
}

/**
 * Options of every run: the schedule's action (`workflowId` = the schedule id; Temporal appends
 * the scheduled time, so each run's id is `<scheduleId>-<time>`) and any direct start.
 */
export function agentHealthStartOptions(
  workflowId: string,
  taskQueue: string,
  input: AgentHealthChecksInput = {},
): ScheduledStartOptions<AgentHealthChecksWorkflow> {
  return {
    workflowId,
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '14 minutes',
    typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'agent-health' }],
    memo: { summary: 'Health check of every proxy agent webhook (POST /hooks/agent, X-Health-Check)' },
    staticSummary: 'Health check of every proxy agent webhook',
  };
}
