/**
 * Rentr-style `proxy` agents: relay a renter's chat message to `<webhook_url>/hooks/agent` and
 * bring back the agent's reply.
 *
 * The relay never retries (Rentr: "we do not retry"; the renter resends instead), so every
 * failure is a non-retryable business failure the API maps to 502 (the agent answered non-2xx)
 * or 503 (unreachable, too slow, refused by the network policy, or not configured). The rental
 * workflow calls it with `startToCloseTimeout: '35s'` (> AGENT_PROXY_TIMEOUT_MS) and
 * `retry: { maximumAttempts: 1 }`.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { AgentReply } from '../domain/agent-reply';
import { ErrorCode } from '../domain/errors';
import { type AgentEndpoint as Endpoint, MAX_AGENT_REPLY_BYTES, relayToAgent } from '../services/agent-relay';
import type { Queryable } from '../db/pool';
import { claimRelay } from '../db/rentals';
import type { ActivityDeps } from './deps';
import { errorText } from '../domain/error-texts';
import { agentEndpointOf } from '../db/agents';

export interface RelayToProxyAgentInput {
  rentalId: string;
  agentId: string;
  /**
   * Where to reach the agent. Omit all three to have the relay read them fresh from the agent's
   * profile: that keeps the bearer token out of workflow history (activity inputs are recorded).
   * `agentName` is sent as the body's `agentId` (the Rentr seed: the agent's registered name).
   */
  agentName?: string;
  webhookUrl?: string | null;
  webhookToken?: string | null;
  message: string;
  /** Stable per (rental, renter): `proxySessionKey()` in domain/agent-reply.ts. */
  sessionKey: string;
  /** Telegram, Discord, Slack or API. */
  channel: string;
  /**
   * The stored chat message being relayed, with its renter: the relay claims it once (and reads
   * the endpoint in the same round trip) and refuses a second relay of it (503). Used by the rental
   * workflow, which runs the relay as a local activity that a worker crash would run again.
   */
  claim?: { messageId: string; renterId: string };
  /**
   * Epoch ms at which the chat's budget ends (the API's request deadline, less a margin): the agent
   * gets what is left of it, at most AGENT_PROXY_TIMEOUT_MS, and nothing is sent once it is spent.
   */
  deadlineAtMs?: number;
}

export interface RelayToProxyAgentResult {
  reply: AgentReply;
}

/** The texts renters see; the 502 text is the Rentr seed's. */
export const AGENT_ERROR_MESSAGE = errorText('agent_error');
export const AGENT_UNREACHABLE_MESSAGE = errorText('agent_unreachable');
export const AGENT_UNCONFIGURED_MESSAGE = errorText('agent_unconfigured');

/** A reply larger than this is an agent error rather than something to relay half of. */
export { MAX_AGENT_REPLY_BYTES };

// Benign: a misbehaving agent is an expected business outcome, not a platform fault worth a
// worker warning; the relay logs its own line with the cause.
const failure = (message: string, type: ErrorCode, detail: Record<string, unknown>) =>
  ApplicationFailure.create({
    message,
    type,
    nonRetryable: true,
    details: [detail],
    category: ApplicationFailureCategory.BENIGN,
  });
const agentError = (detail: Record<string, unknown>) =>
  failure(AGENT_ERROR_MESSAGE, ErrorCode.AgentError, detail);
const agentUnavailable = (message: string, detail: Record<string, unknown>) =>
  failure(message, ErrorCode.AgentUnavailable, detail);

/** Needs config, a logger and (only to read endpoints itself) the database; no Temporal client. */
export function createAgentProxyActivities(
  deps: Pick<ActivityDeps, 'config' | 'logger'> & { db?: Queryable },
) {
  const { config, logger } = deps;

  async function endpointOf(input: RelayToProxyAgentInput): Promise<Endpoint> {
    if (input.claim) {
      if (!deps.db) throw new Error('relayToProxyAgent needs a database to claim the relay');
      const c = await claimRelay(deps.db, { ...input.claim, agentId: input.agentId });
      if (!c.claimed)
        throw agentUnavailable(AGENT_UNREACHABLE_MESSAGE, { reason: 'already relayed once (retried task)' });
      if (input.webhookUrl === undefined)
        return {
          agentName: input.agentName ?? c.name ?? input.agentId,
          webhookUrl: c.webhook_url,
          webhookToken: c.webhook_token,
        };
    }
    if (input.webhookUrl !== undefined)
      return {
        agentName: input.agentName ?? input.agentId,
        webhookUrl: input.webhookUrl,
        webhookToken: input.webhookToken ?? null,
      };
    if (!deps.db) throw new Error('relayToProxyAgent needs a database to read the agent endpoint');
    const r = await agentEndpointOf(deps.db, input.agentId);
    const row = r.rows[0];
    return {
      agentName: input.agentName ?? row?.name ?? input.agentId,
      webhookUrl: row?.webhook_url ?? null,
      webhookToken: row?.webhook_token ?? null,
    };
  }

  async function relayToProxyAgent(input: RelayToProxyAgentInput): Promise<RelayToProxyAgentResult> {
    const timeoutMs =
      input.deadlineAtMs === undefined
        ? config.AGENT_PROXY_TIMEOUT_MS
        : Math.min(config.AGENT_PROXY_TIMEOUT_MS, input.deadlineAtMs - Date.now());
    if (timeoutMs < 1) throw agentUnavailable(AGENT_UNREACHABLE_MESSAGE, { reason: 'chat budget spent' });
    const endpoint = await endpointOf(input);
    const outcome = await relayToAgent(
      { config, logger: logger.child({ rentalId: input.rentalId, agentId: input.agentId }) },
      endpoint,
      {
        rentalId: input.rentalId,
        message: input.message,
        sessionKey: input.sessionKey,
        channel: input.channel,
        timeoutMs,
      },
    );
    if (outcome.ok) return { reply: outcome.reply };
    if (outcome.code === 'agent_error') throw agentError(outcome.detail);
    throw agentUnavailable(
      outcome.code === 'agent_unconfigured' ? AGENT_UNCONFIGURED_MESSAGE : AGENT_UNREACHABLE_MESSAGE,
      outcome.detail,
    );
  }

  return { relayToProxyAgent };
}
