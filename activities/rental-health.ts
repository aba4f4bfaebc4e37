/**
 * Health-gated billing (issue 25.3): the per-minute health check of a rental's proxy agent and the
 * settlement's read of what was seen. The check is Rentr's (`POST <webhook_url>/hooks/agent`,
 * `X-Health-Check: true`, body `{}`, bearer token and signature as the 15-minute checks send, any
 * 2xx within 10 s is healthy); it reads the agent's endpoint itself so the bearer token never
 * enters workflow history, and stores its outcome once per (rental, minute).
 */
import { agentHookUrl } from '../domain/agent-reply';
import { type AvailabilityWindow, unavailableMinutes } from '../domain/rental-availability';
import { agentObservationsOf, proxyAgentOfRental, recordAgentObservation } from '../db/rental-observations';
import { recordEndpointHealth } from '../db/webhooks';
import { signatureHeaders } from '../domain/webhook-signing';
import { postJson } from '../services/http-delivery';
import { ensureSigningSecret } from '../services/webhook-enqueue';
import type { ActivityDeps } from './deps';

/** Rentr's health-check budget (as the `health-check` webhook policy). */
export const RENTAL_HEALTH_CHECK_TIMEOUT_MS = 10_000;

export interface CheckRentalAgentInput {
  rentalId: string;
  agentId: string;
  /** The rental minute (1-based) this check is for: its key. */
  minute: number;
}

export interface CheckRentalAgentResult {
  /** false: the agent is not a proxy agent (or has no webhook): nothing to check, stop asking. */
  proxy: boolean;
  ok?: boolean;
}

export interface RentalUnavailableMinutesInput extends AvailabilityWindow {
  rentalId: string;
  agentId: string;
}

export function createRentalHealthActivities(deps: Pick<ActivityDeps, 'db' | 'config' | 'logger'>) {
  const { db } = deps;
  return {
    async checkRentalAgent(input: CheckRentalAgentInput): Promise<CheckRentalAgentResult> {
      const agent = await proxyAgentOfRental(db, input.rentalId);
      const url = agent ? agentHookUrl(agent.webhook_url) : null;
      if (!agent || !url) return { proxy: false };
      const secret = agent.webhook_secret ?? (await ensureSigningSecret(db, input.agentId));
      const body = '{}';
      const outcome = await postJson(
        url,
        body,
        {
          'X-Health-Check': 'true',
          'X-Rental-ID': input.rentalId,
          ...(agent.webhook_token ? { Authorization: `Bearer ${agent.webhook_token}` } : {}),
          // Signed like every webhook (an agent that verifies signatures answers it); the id is
          // stable per (rental, minute), as a delivery id is per delivery.
          ...signatureHeaders(secret, `rental-health:${input.rentalId}:${input.minute}`, body, new Date()),
        },
        { timeoutMs: RENTAL_HEALTH_CHECK_TIMEOUT_MS, allowPrivate: deps.config.ALLOW_PRIVATE_WEBHOOKS },
      );
      const ok = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
      const detail =
        outcome.kind === 'response'
          ? ok
            ? null
            : `HTTP ${outcome.status}`
          : `${outcome.kind}: ${outcome.error}`;
      await recordAgentObservation(db, {
        rentalId: input.rentalId,
        key: `check:${input.minute}`,
        source: 'check',
        ok,
        detail,
      });
      // The agent's profile shows its latest check, as the 15-minute checks do.
      await recordEndpointHealth(db, input.agentId, ok, new Date().toISOString(), detail);
      return { proxy: true, ok };
    },

    /** The started minutes the agent was demonstrably unavailable for (domain/rental-availability.ts). */
    async rentalUnavailableMinutes(input: RentalUnavailableMinutesInput): Promise<number[]> {
      return unavailableMinutes(input, await agentObservationsOf(db, input.rentalId, input.agentId));
    },
  };
}
