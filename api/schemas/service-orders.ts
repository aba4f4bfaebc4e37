/** Service order shapes (issue 23.1, SPEC §5): inputs validated at the edge, shared by REST and MCP. */
import { z } from 'zod';
import { toMicro } from '../../domain/money';
import { SERVICE_LIMITS } from '../../domain/service-orders';
import { registry } from '../openapi';
import { pageFields, pageQuery } from './common';
import { textRule, usdtAmount, uuidSchema } from '../validation';

const text = (max: number, multiline = false) =>
  textRule(z.string({ error: 'must be a string' }).trim().max(max, `must be at most ${max} characters`), {
    multiline,
  });

export const createServiceInput = registry.register(
  'CreateServiceInput',
  z.object({
    title: text(SERVICE_LIMITS.maxTitle).min(1, 'must not be empty'),
    description: text(SERVICE_LIMITS.maxDescription, true).min(1, 'must not be empty'),
    price: usdtAmount({ min: SERVICE_LIMITS.minPriceUsd })
      .refine(
        (micro) => micro <= toMicro(SERVICE_LIMITS.maxPriceUsd)!,
        `must be at most ${SERVICE_LIMITS.maxPriceUsd}`,
      )
      .openapi({
        multipleOf: 0.000001,
        minimum: SERVICE_LIMITS.minPriceUsd,
        maximum: SERVICE_LIMITS.maxPriceUsd,
        description: 'USDT, at most 6 decimals',
      }),
    delivery_hours: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(SERVICE_LIMITS.minDeliveryHours, `must be at least ${SERVICE_LIMITS.minDeliveryHours}`)
      .max(SERVICE_LIMITS.maxDeliveryHours, `must be at most ${SERVICE_LIMITS.maxDeliveryHours}`)
      .openapi({ description: 'how long after the order the buyer may cancel an undelivered one' }),
  }),
);
export type CreateServiceInput = z.infer<typeof createServiceInput>;

export const createServiceOrderInput = registry.register(
  'CreateServiceOrderInput',
  z.object({
    service_id: uuidSchema,
    brief: text(SERVICE_LIMITS.maxBrief, true).min(1, 'must not be empty'),
  }),
);
export type CreateServiceOrderInput = z.infer<typeof createServiceOrderInput>;

export const serviceOrderIdInput = z.object({ order_id: uuidSchema });

export const deliverServiceOrderInput = registry.register(
  'DeliverServiceOrderInput',
  // Strict: an unknown field is refused rather than silently dropped from a delivery.
  z.strictObject({
    message: text(SERVICE_LIMITS.maxMessage, true).min(1, 'must not be empty'),
    file_ids: z
      .array(uuidSchema, { error: 'must be an array of file ids' })
      .max(SERVICE_LIMITS.maxFilesPerDelivery, `must have at most ${SERVICE_LIMITS.maxFilesPerDelivery} ids`)
      .optional()
      .openapi({ description: 'files uploaded to this order (POST …/files) to attach to the delivery' }),
  }),
);
export type DeliverServiceOrderInput = z.infer<typeof deliverServiceOrderInput>;

export const revisionInput = registry.register(
  'ServiceOrderRevisionInput',
  z.object({ reason: text(SERVICE_LIMITS.maxReason, true).min(1, 'must not be empty') }),
);
export type RevisionInput = z.infer<typeof revisionInput>;

export const listServiceOrdersQuery = pageQuery().extend({
  role: z
    .enum(['buyer', 'seller'], { error: 'must be buyer or seller' })
    .default('buyer')
    .openapi({ description: 'your orders as buyer (default) or as seller' }),
});

const timestamp = z.string().openapi({ example: '2026-02-17T12:00:00.000Z' });

export const serviceView = registry.register(
  'Service',
  z.object({
    id: z.string(),
    seller_id: z.string(),
    title: z.string(),
    description: z.string(),
    price: z.number(),
    delivery_hours: z.number().int(),
    created_at: timestamp,
  }),
);
export type ServiceView = z.infer<typeof serviceView>;

export const serviceOrderView = registry.register(
  'ServiceOrder',
  z.object({
    id: z.string(),
    service_id: z.string(),
    buyer_id: z.string(),
    seller_id: z.string(),
    title: z.string(),
    brief: z.string(),
    price: z.number(),
    delivery_hours: z.number().int(),
    status: z
      .enum(['pending', 'accepted', 'delivered', 'completed', 'declined', 'cancelled', 'expired'])
      .openapi({
        description:
          '`expired`: the seller did not answer by `accept_by` (refunded); `cancelled`: by the buyer, or ' +
          'automatically when still undelivered a grace period (7 days by default) past `deliver_by` (refunded)',
      }),
    created_at: timestamp,
    accept_by: timestamp.nullable().openapi({
      description: 'a still-pending order expires then, refunded (null: ordered before this deadline)',
    }),
    accepted_at: timestamp.nullable(),
    deliver_by: timestamp.nullable().openapi({
      description:
        'past it, the buyer may cancel for a refund; a grace period (7 days by default) later an undelivered order is cancelled and refunded',
    }),
    delivered_at: timestamp.nullable(),
    delivery_message: z.string().nullable(),
    review_deadline: timestamp.nullable().openapi({ description: 'silence until then is approval' }),
    revision_reason: z.string().nullable(),
    revisions: z.number().int(),
    decision: z.enum(['approved', 'auto_approved']).nullable(),
    closed_at: timestamp.nullable(),
    payout: z.number().nullable().openapi({ description: 'paid to the seller (price − platform fee)' }),
    fee: z.number().nullable(),
    refunded: z.number().nullable().openapi({ description: 'returned to the buyer' }),
  }),
);
export type ServiceOrderView = z.infer<typeof serviceOrderView>;

export const serviceOrderFileView = registry.register(
  'ServiceOrderFile',
  z.object({
    id: z.uuid(),
    order_id: z.uuid(),
    uploader_id: z.uuid(),
    name: z.string().openapi({ example: 'logo.svg' }),
    size: z.number().int().openapi({ description: 'bytes' }),
    content_type: z.string().openapi({ example: 'image/svg+xml' }),
    sha256: z.string().openapi({ description: 'hex SHA-256 of the bytes' }),
    delivered_at: timestamp
      .nullable()
      .openapi({ description: 'when a delivery attached it; null until then' }),
    created_at: timestamp,
  }),
);

export const serviceOrderFileParams = z.object({ order_id: uuidSchema, file_id: uuidSchema });

export const serviceOrderListView = registry.register(
  'ServiceOrderList',
  z.object({ orders: z.array(serviceOrderView), ...pageFields }),
);
