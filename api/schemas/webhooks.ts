/** Webhook delivery log, redelivery, test event and endpoint settings: shapes shared by REST and OpenAPI. */
import { z } from 'zod';
import { registry } from '../openapi';
import { idParams, pageCursor, pageFields, pageLimit } from './common';
import { textRule } from '../validation';
import { DELIVERY_STATES } from '../../domain/webhooks';

/**
 * An ISO-8601 instant, handed on as a Date: Postgres refuses some offsets the ISO grammar allows
 * (beyond ±15:59), so the instant is computed here and sent in UTC; strings with different
 * offsets also compare correctly only as instants.
 */
const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 timestamp' })
  .transform((s) => new Date(s))
  .refine((d) => Number.isFinite(d.getTime()), 'must be an ISO-8601 timestamp');

export const listDeliveriesQuery = z
  .object({
    event: textRule(
      z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    ).optional(),
    state: z.enum(DELIVERY_STATES, { error: `must be one of ${DELIVERY_STATES.join(', ')}` }).optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    limit: pageLimit(),
    cursor: pageCursor,
  })
  // zod runs this even when a bound failed to parse (then it is still the raw string): compare Dates only.
  .refine((q) => !(q.since instanceof Date) || !(q.until instanceof Date) || q.since <= q.until, {
    path: ['until'],
    message: 'must not be before since',
  });
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;

export const deliveryIdParams = idParams;

export const deliveryView = registry.register(
  'WebhookDelivery',
  z.object({
    id: z.uuid(),
    event: z.string(),
    policy: z.string(),
    subject: z.string(),
    state: z.enum(DELIVERY_STATES),
    skip_reason: z.string().nullable(),
    target_url: z.string().nullable(),
    attempt_count: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    redelivery_of: z.uuid().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  }),
);
export type DeliveryView = z.infer<typeof deliveryView>;

export const attemptView = registry.register(
  'WebhookAttempt',
  z.object({
    attempt: z.number().int(),
    attempted_at: z.string(),
    outcome: z.enum(['success', 'rejected', 'timeout', 'network_error', 'refused']),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int(),
    error: z.string().nullable(),
    response_excerpt: z.string().nullable(),
  }),
);

export const deliveryDetailView = registry.register(
  'WebhookDeliveryDetail',
  deliveryView.extend({
    /** The exact JSON body that was signed and sent. */
    payload: z.unknown(),
    /** Names of extra request headers (values may be credentials and are never shown). */
    extra_headers: z.array(z.string()),
    attempts: z.array(attemptView),
  }),
);

export const deliveryListView = z.object({
  deliveries: z.array(deliveryView),
  ...pageFields,
});

export const enqueuedView = z.object({
  delivery_id: z.uuid(),
  state: z.enum(DELIVERY_STATES),
  redelivery_of: z.uuid().nullable(),
});

export const secretView = z.object({ secret: z.string(), note: z.string() });

export const endpointInput = z.object({
  url: textRule(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048, 'must be at most 2048 characters'),
  ).nullable(),
});
export const endpointView = z.object({ webhook_url: z.string().nullable(), disabled: z.boolean() });
