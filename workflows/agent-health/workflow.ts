/**
 * Health checks of every proxy agent, started by the `agent-health-checks` Temporal Schedule
 * every 15 minutes (worker/schedules.ts, which also sets its search attributes and memo). Pages
 * through the agents; each page is one activity that enqueues one `health-check` delivery per agent.
 */
import { continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createAgentHealthActivities } from '../../activities/agent-health';
import { retryTransient } from '../failures';
import { AGENT_HEALTH_PAGE_SIZE, type AgentHealthChecksInput } from './contract';

const { checkProxyAgentsPage } = proxyActivities<ReturnType<typeof createAgentHealthActivities>>({
  startToCloseTimeout: '1 minute',
  // Pages are keyed per run, so a retry only enqueues what the failed attempt did not.
  retry: retryTransient({ maximumAttempts: 5, initialInterval: '2s', backoffCoefficient: 2 }),
});

/** Pages per run before continuing as new, to keep one run's history small. */
const PAGES_PER_RUN = 200;

export async function agentHealthChecksWorkflow(
  input: AgentHealthChecksInput = {},
): Promise<{ enqueued: number }> {
  // The first run's workflow id is unique per scheduled time (the schedule appends it).
  const runKey = input.runKey ?? workflowInfo().workflowId;
  let afterId = input.afterId ?? null;
  let enqueued = input.enqueued ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result = await checkProxyAgentsPage({ runKey, afterId, limit: AGENT_HEALTH_PAGE_SIZE });
    enqueued += result.enqueued;
    if (!result.nextAfterId) {
      log.info('agent health checks enqueued', { enqueued });
      return { enqueued };
    }
    afterId = result.nextAfterId;
  }
  return continueAsNew<typeof agentHealthChecksWorkflow>({ afterId, runKey, enqueued });
}
