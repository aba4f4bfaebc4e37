/**
 * Health checks of proxy agents (Rentr: every 15 minutes, `X-Health-Check: true`, any 2xx is
 * healthy). One call handles one page of agents: each gets a `health-check` webhook delivery
 * (policy in domain/webhook-policies.ts: one attempt, result stored on accounts.health_*).
 * Enqueued here rather than from the workflow so the agents' bearer tokens never enter workflow
 * history. Keyed by (run, agent): a retried page enqueues nothing twice.
 */
import { agentHookUrl } from '../domain/agent-reply';
import { enqueueDelivery } from '../services/webhook-enqueue';
import type { ActivityDeps } from './deps';
import { botsToHealthCheck } from '../db/agents';

export interface CheckProxyAgentsPageInput {
  /** Unique per scheduled run (its workflow id): part of every delivery's event key. */
  runKey: string;
  /** Agents are visited in id order; the page starts after this id (null = the first page). */
  afterId: string | null;
  limit: number;
}

export interface CheckProxyAgentsPageResult {
  /** Agents whose check was enqueued. */
  enqueued: number;
  /** The id to continue after, or null when this was the last page. */
  nextAfterId: string | null;
}

export const healthCheckEventKey = (runKey: string, agentId: string) => `health-check:${runKey}:${agentId}`;

export function createAgentHealthActivities(deps: ActivityDeps) {
  async function checkProxyAgentsPage(input: CheckProxyAgentsPageInput): Promise<CheckProxyAgentsPageResult> {
    const page = await botsToHealthCheck(deps.db, input.afterId, input.limit);
    let enqueued = 0;
    for (const agent of page.rows) {
      const url = agentHookUrl(agent.webhook_url);
      if (!url) continue; // an unparsable URL cannot be checked; the profile API refuses new ones
      const result = await enqueueDelivery(deps, {
        eventKey: healthCheckEventKey(input.runKey, agent.id),
        accountId: agent.id,
        policy: 'health-check',
        event: 'health_check',
        subject: `health:${agent.id}`,
        payload: {},
        url,
        headers: {
          'X-Health-Check': 'true',
          ...(agent.webhook_token ? { Authorization: `Bearer ${agent.webhook_token}` } : {}),
        },
      });
      if (result.enqueued) enqueued++;
    }
    const last = page.rows.at(-1);
    return { enqueued, nextAfterId: page.rows.length === input.limit && last ? last.id : null };
  }

  return { checkProxyAgentsPage };
}
