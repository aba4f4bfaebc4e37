/**
 * One Rentr `/v1/chat` relay to a `proxy` agent: POST `<webhook_url>/hooks/agent` with the
 * renter's message and bring back the agent's reply. Used by the API (the `/v1/chat` path) and by
 * the `relayToProxyAgent` activity (chats still relayed inside the rental workflow).
 *
 * Never retried (Rentr: "we do not retry"; the renter resends instead), and every outcome is a
 * value: a reply, or a failure with the error code the renter gets — `agent_error` (502: the agent
 * answered non-2xx or too much) or `agent_unreachable` / `agent_unconfigured` (503).
 */
import type { Logger } from 'pino';
import {
  agentHookUrl,
  type AgentReply,
  extractAgentReply,
  safeAgentReply,
  verbatimAgentReply,
} from '../domain/agent-reply';
import type { Config } from '../domain/config';
import { postJson } from './http-delivery';

/** A reply larger than this is an agent error rather than something to relay half of. */
export const MAX_AGENT_REPLY_BYTES = 1024 * 1024;

export interface AgentEndpoint {
  /** Sent as the body's `agentId` (the Rentr seed: the agent's registered name). */
  agentName: string;
  webhookUrl: string | null;
  webhookToken: string | null;
}

export interface RelayRequest {
  rentalId: string;
  message: string;
  /** Stable per (rental, renter): `proxySessionKey()` in domain/agent-reply.ts. */
  sessionKey: string;
  /** Telegram, Discord, Slack or API. */
  channel: string;
  /** At most this long for the whole exchange. */
  timeoutMs: number;
}

export type RelayFailureCode = 'agent_error' | 'agent_unreachable' | 'agent_unconfigured';

export type RelayOutcome =
  /**
   * `reply`: what the transcript keeps (as text) and the workflow's chat answers; `verbatim`: what
   * the API channel answers (verbatimAgentReply). Both made safe and small.
   */
  | { ok: true; reply: AgentReply; verbatim: AgentReply }
  | { ok: false; code: RelayFailureCode; detail: Record<string, unknown> };

/** The webhook call of a chat: where, what and with which headers, or why there is none. */
export function agentHookRequest(
  endpoint: AgentEndpoint,
  req: RelayRequest,
  accept: string,
):
  | { ok: true; url: string; body: string; headers: Record<string, string> }
  | { ok: false; outcome: RelayOutcome } {
  if (req.timeoutMs < 1)
    return {
      ok: false,
      outcome: { ok: false, code: 'agent_unreachable', detail: { reason: 'chat budget spent' } },
    };
  const url = endpoint.webhookUrl ? agentHookUrl(endpoint.webhookUrl) : undefined;
  if (!url)
    return {
      ok: false,
      outcome: { ok: false, code: 'agent_unconfigured', detail: { reason: 'no usable webhook_url' } },
    };
  return {
    ok: true,
    url,
    body: JSON.stringify({
      message: req.message,
      agentId: endpoint.agentName,
      sessionKey: req.sessionKey,
      channel: req.channel,
    }),
    headers: {
      ...(endpoint.webhookToken ? { authorization: `Bearer ${endpoint.webhookToken}` } : {}),
      'x-rental-id': req.rentalId,
      accept,
    },
  };
}

/** A 2xx reply body as the relay's success: made safe and small before it enters the transcript. */
export function relayedReply(body: string): RelayOutcome & { ok: true } {
  return {
    ok: true,
    reply: safeAgentReply(extractAgentReply(body)),
    verbatim: safeAgentReply(verbatimAgentReply(body)),
  };
}

/** An agent that answered non-2xx or too much. */
export function unusableAnswer(logger: Logger, status: number, truncated: boolean): RelayOutcome {
  logger.warn({ status, truncated }, 'proxy agent answered unusably');
  return { ok: false, code: 'agent_error', detail: { status } };
}

/** An agent that could not be reached (or not in time, or not allowed). */
export function unavailableAgent(
  logger: Logger,
  outcome: { kind: 'timeout' | 'network_error' | 'refused'; error: string },
): RelayOutcome {
  logger.warn({ kind: outcome.kind, error: outcome.error }, 'proxy agent unavailable');
  return {
    ok: false,
    code: outcome.kind === 'refused' ? 'agent_unconfigured' : 'agent_unreachable',
    detail: { reason: outcome.kind },
  };
}

export async function relayToAgent(
  deps: { config: Pick<Config, 'ALLOW_PRIVATE_WEBHOOKS'>; logger: Logger },
  endpoint: AgentEndpoint,
  req: RelayRequest,
): Promise<RelayOutcome> {
  const call = agentHookRequest(endpoint, req, 'application/json, text/plain;q=0.9, */*;q=0.1');
  if (!call.ok) return call.outcome;
  const outcome = await postJson(call.url, call.body, call.headers, {
    timeoutMs: req.timeoutMs,
    allowPrivate: deps.config.ALLOW_PRIVATE_WEBHOOKS,
    maxBodyBytes: MAX_AGENT_REPLY_BYTES,
  });
  if (outcome.kind === 'response') {
    const ok = outcome.status >= 200 && outcome.status < 300;
    if (ok && !outcome.truncated) return relayedReply(outcome.body);
    return unusableAnswer(deps.logger, outcome.status, outcome.truncated);
  }
  return unavailableAgent(deps.logger, outcome);
}
