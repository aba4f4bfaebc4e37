/**
 * The activities a rental's workflow calls, with their options: one place for the lifecycle
 * (workflow.ts), the chat relay (chat.ts) and event emission (events.ts).
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createAgentProxyActivities } from '../../activities/chat';
import type { createHoldActivities } from '../../activities/rental-hold';
import type { createLedgerActivities } from '../../activities/ledger';
import type { createRentalEventActivities } from '../../activities/rental-events';
import type { createRentalActivities } from '../../activities/rentals';
import type { createRentalHealthActivities } from '../../activities/rental-health';
import type { EnqueueWebhookInput, EnqueueWebhookResult } from '../../domain/webhooks';
import { retryTransient } from '../failures';

type Activities = ReturnType<typeof createRentalActivities> &
  ReturnType<typeof createRentalEventActivities> &
  ReturnType<typeof createLedgerActivities> &
  ReturnType<typeof createHoldActivities> &
  ReturnType<typeof createRentalHealthActivities> & {
    enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult>;
  };
type ProxyActivities = ReturnType<typeof createAgentProxyActivities>;

// Read models, ledger postings and enqueues are idempotent: retry until they succeed.
export const act = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: retryTransient({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
// The per-minute health check (issue 25.3): its own 10 s budget, one retry; a check that still fails
// to run is no evidence, and the next minute has its own.
export const check = proxyActivities<Pick<Activities, 'checkRentalAgent'>>({
  startToCloseTimeout: '20 seconds',
  retry: retryTransient({ maximumAttempts: 2, initialInterval: '1 second' }),
});
// Rentr never retries a relay: the renter sees the failure and may resend.
export const relay = proxyActivities<ProxyActivities>({
  startToCloseTimeout: '35 seconds',
  retry: retryTransient({ maximumAttempts: 1 }),
});

/**
 * The hot paths (the start, `/v1/chat`) run their short Postgres writes and the relay as local
 * activities: they run inside the workflow task, so a chat is one workflow task instead of five
 * plus four activity round trips through the server. Same idempotent writes and retry policy as
 * `act`; the relay keeps its single attempt (the LA timeout only backs up the relay's own 30 s).
 */
export const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: retryTransient({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
export const localRelay = proxyLocalActivities<ProxyActivities>({
  startToCloseTimeout: '35 seconds',
  scheduleToCloseTimeout: '35 seconds',
  retry: retryTransient({ maximumAttempts: 1 }),
});
