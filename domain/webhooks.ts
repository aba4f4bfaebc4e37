/**
 * The contract between event producers (rentals, tasks, TRON) and webhook delivery.
 * Producers call the `enqueueWebhook` activity (activities/webhooks.ts) with this input.
 */
export type WebhookPolicyName = 'agent-events' | 'task-events' | 'health-check';

/** The states of a webhook delivery (webhook_deliveries.state). */
export const DELIVERY_STATES = ['pending', 'retrying', 'delivered', 'failed', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** How one delivery attempt ended (webhook_attempts.outcome). */
export type AttemptOutcome = 'success' | 'rejected' | 'timeout' | 'network_error' | 'refused';

export interface EnqueueWebhookInput {
  /** Stable per event (e.g. `rental:<id>:message:<message_id>`): the delivery id derives from it,
   *  so a retried activity enqueues the event once. */
  eventKey: string;
  /** Whose endpoint (accounts.webhook_url) and signing secret are used. */
  accountId: string;
  policy: WebhookPolicyName;
  /** Event name, e.g. `rental_message`, `proof_submitted`. */
  event: string;
  /** Ordering scope: deliveries of one subject arrive in enqueue order (e.g. `rental:<id>`). */
  subject: string;
  /** The JSON body to POST, exactly as the receiver should see it. */
  payload: Record<string, unknown>;
  /** Overrides the account's webhook_url (e.g. `<webhook_url>/hooks/agent` for health checks). */
  url?: string;
  /** Extra request headers (e.g. `X-Health-Check: true`, a bearer token). */
  headers?: Record<string, string>;
}

export interface EnqueueWebhookResult {
  deliveryId: string;
  /** false when the account has no usable webhook endpoint (nothing to deliver). */
  enqueued: boolean;
}
