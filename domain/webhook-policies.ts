/**
 * Delivery policies are data: how many attempts, how long each may take, what counts as success
 * and how long to wait between attempts. Adding a policy is one entry here (and its name in
 * WebhookPolicyName). Pure and workflow-safe.
 */
import type { WebhookPolicyName } from './webhooks';

export interface WebhookPolicy {
  /** Per-attempt budget for connect + response + body, in ms. */
  timeoutMs: number;
  /** Waits before attempt 2, 3, …; attempts = retryDelaysMs.length + 1. */
  retryDelaysMs: readonly number[];
  /** Which HTTP statuses mean "delivered". */
  isSuccess(status: number): boolean;
  /** Deliveries of one subject reach the receiver in enqueue order. */
  ordered: boolean;
  /** The final outcome is stored on the account (accounts.health_*). */
  recordsHealth: boolean;
  /** Sent even when the endpoint is disabled, and ignored by the 24 h disable rule. */
  exemptFromDisable: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const any2xx = (status: number) => status >= 200 && status < 300;

export const WEBHOOK_POLICIES: Record<WebhookPolicyName, WebhookPolicy> = {
  // AgentsAccess: "return any 2xx within 10 seconds (one retry on failure, after 30 seconds)".
  'agent-events': {
    timeoutMs: 10 * SECOND,
    retryDelaysMs: [30 * SECOND],
    isSuccess: any2xx,
    ordered: true,
    recordsHealth: false,
    exemptFromDisable: false,
  },
  // RoboRent: "must return HTTP 200; retried 3× with exponential backoff" — 30 s, 2 min, 8 min
  // (factor 4), so a receiver restarting or deploying has ~10 minutes to come back.
  'task-events': {
    timeoutMs: 10 * SECOND,
    retryDelaysMs: [30 * SECOND, 2 * MINUTE, 8 * MINUTE],
    isSuccess: (status) => status === 200,
    ordered: true,
    recordsHealth: false,
    exemptFromDisable: false,
  },
  // Rentr health checks: one attempt, any 2xx is healthy; the next check comes 15 min later anyway.
  'health-check': {
    timeoutMs: 10 * SECOND,
    retryDelaysMs: [],
    isSuccess: any2xx,
    ordered: false,
    recordsHealth: true,
    exemptFromDisable: true,
  },
};

export const WEBHOOK_POLICY_NAMES = Object.keys(WEBHOOK_POLICIES) as WebhookPolicyName[];

export const attemptsOf = (policy: WebhookPolicy) => policy.retryDelaysMs.length + 1;

/** An endpoint failing every delivery for this long is disabled and its owner notified. */
export const DISABLE_AFTER_FAILING_MS = 24 * 60 * MINUTE;
