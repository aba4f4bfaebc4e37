/** zod shapes of the rental endpoints (requests validated here; responses documented in OpenAPI). */
import { z } from 'zod';
import { BOOKING_MAX_AHEAD_DAYS } from '../../domain/rental-booking';
import { MAX_SILENCE_MINUTES, MIN_SILENCE_MINUTES } from '../../domain/rental-silence';
import { MAX_RENTAL_MINUTES } from '../../domain/rental-settlement';
import { MAX_MESSAGE_CHARS } from '../../workflows/rental/contract';
import type { RentalStatus } from '../../domain/rental-store';
import { serviceOrderView } from './service-orders';
import { registry } from '../openapi';
import { PAGE_LIMIT } from '../../domain/pagination';
import { idParams, limitNumber, pageCursor, pageQuery } from './common';
import { textRule, uuidSchema } from '../validation';

const minutes = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number of minutes' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_RENTAL_MINUTES, { error: `must be at most ${MAX_RENTAL_MINUTES}` });

/** Rentr channels; `API` unless the renter says otherwise. */
export const RENTAL_CHANNELS = ['API', 'Telegram', 'Discord', 'Slack'] as const;

export const createRentalInput = registry.register(
  'CreateRental',
  z.strictObject({
    agent_id: uuidSchema,
    minutes,
    channel: z
      .enum(RENTAL_CHANNELS, { error: `must be one of ${RENTAL_CHANNELS.join(', ')}` })
      .default('API'),
    starts_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO-8601 date-time, e.g. 2026-12-24T14:00:00Z' })
      .optional()
      .openapi({
        description: `book ahead: the start, at least 1 minute and at most ${BOOKING_MAX_AHEAD_DAYS} days from now (the rental is \`scheduled\` until then); omit to start now`,
        example: '2026-12-24T14:00:00Z',
      }),
    max_silence_minutes: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number of minutes' })
      .min(MIN_SILENCE_MINUTES, { error: `must be at least ${MIN_SILENCE_MINUTES}` })
      .max(MAX_SILENCE_MINUTES, { error: `must be at most ${MAX_SILENCE_MINUTES}` })
      .optional()
      .openapi({
        description:
          'silence guard: if the agent leaves a renter message unanswered this many minutes, the rental ends early and the unused whole minutes are refunded',
        example: 10,
      }),
  }),
);
export type CreateRentalInput = z.infer<typeof createRentalInput>;

/** Every status a rental shows (domain/rental-store.ts RentalStatus). */
const RENTAL_STATUSES = [
  'scheduled',
  'active',
  'ending_soon',
  'ended',
] as const satisfies readonly RentalStatus[];

export const extendRentalInput = registry.register('ExtendRental', z.strictObject({ minutes }));

export const endRentalInput = registry.register(
  'EndRental',
  z.strictObject({
    reason: textRule(z.string().max(500, { error: 'at most 500 characters' }), {
      multiline: true,
    }).optional(),
  }),
);

export const cancelRentalInput = registry.register(
  'CancelRental',
  z.strictObject({
    reason: textRule(z.string().max(500, { error: 'at most 500 characters' }), {
      multiline: true,
    }).optional(),
  }),
);

export const postMessageInput = registry.register(
  'PostRentalMessage',
  z.strictObject({
    content: textRule(
      z
        .string({ error: 'must be a string' })
        .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
        .refine((s) => s.trim().length > 0, 'must not be empty'),
      { multiline: true },
    ).openapi({ minLength: 1 }),
  }),
);

export const rentalIdParams = idParams;

export const listRentalsQuery = z.object({
  status: z.enum(RENTAL_STATUSES, { error: 'must be scheduled, active, ending_soon or ended' }).optional(),
  ...pageQuery().shape,
});

/**
 * The transcript: AgentsAccess bots read the full ordered transcript with no parameters, so
 * without `limit` and `cursor` it is all of it; with either, pages of `limit` (50, at most 100).
 */
export const listMessagesQuery = z.object({
  limit: limitNumber()
    .optional()
    .openapi({
      description: `page size, at most ${PAGE_LIMIT.max}; without limit and cursor the whole transcript, with a cursor alone ${PAGE_LIMIT.default}`,
    }),
  cursor: pageCursor,
});

export const rentalView = registry.register(
  'Rental',
  z.object({
    id: z.uuid(),
    code: z.string().openapi({ example: 'a1b2c3d4' }),
    agent_id: z.uuid(),
    bot_id: z.uuid(),
    agent_name: z.string().nullable(),
    renter_id: z.uuid(),
    renter_username: z.string().nullable(),
    owner_id: z.uuid(),
    status: z.enum(RENTAL_STATUSES),
    channel: z.string(),
    minutes: z.number().int(),
    price_per_minute: z.number(),
    total_cost: z.number(),
    starts_at: z.string(),
    ends_at: z.string(),
    time_remaining_seconds: z.number().int(),
    ended_at: z.string().nullable(),
    ended_by: z.enum(['clock', 'renter', 'owner', 'operator']).nullable(),
    ended_reason: z.enum(['agent_silent']).nullable().openapi({
      description:
        '`agent_silent`: the silence guard ended it (`ended_by` is `clock`); null for every other end',
    }),
    max_silence_minutes: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'the silence guard, null without one' }),
    settled: z.boolean(),
    billed_minutes: z.number().int().nullable(),
    unavailable_minutes: z.number().int().nullable().openapi({
      description:
        'settled: started minutes not billed because the agent was demonstrably unavailable; null until settled',
    }),
    refund: z.number().nullable(),
  }),
);

export const rentalReceiptView = registry.register(
  'RentalReceipt',
  z.object({
    rental_id: z.uuid(),
    price_per_minute: z.number(),
    paid_minutes: z.number().int().openapi({ description: 'minutes held: booked plus extensions' }),
    billed_minutes: z.number().int(),
    unavailable_minutes: z.number().int().openapi({
      description:
        'started minutes not billed because the agent was demonstrably unavailable (a failed health check or relay in the minute, no sign of life)',
    }),
    refund: z
      .number()
      .openapi({ description: 'USDT back to the renter: unused whole minutes plus unavailable minutes' }),
    total_cost: z
      .number()
      .openapi({ description: 'USDT the renter paid in the end: billed_minutes × price' }),
    ended_by: z.enum(['clock', 'renter', 'owner', 'operator']).nullable(),
    ended_reason: z.enum(['agent_silent']).nullable(),
    minutes: z.array(
      z.object({
        minute: z.number().int().openapi({ description: '1-based, from the start' }),
        state: z.enum(['available', 'unavailable', 'unused']).openapi({
          description:
            '`available`: billed; `unused`: paid and refunded; `unavailable`: not billed, the agent was down',
        }),
      }),
    ),
    transcript_sha256: z.string().openapi({
      description:
        'hex SHA-256 of the JSON array of [id, sender_id, content, created_at] of each message of GET /api/rentals/{id}/messages, in order',
    }),
    postings: z.array(
      z.object({
        journal_id: z.uuid(),
        kind: z.string().openapi({ example: 'rental_hold' }),
        idempotency_key: z.string(),
        escrow_change: z
          .number()
          .openapi({ description: "USDT this journal moved into (+) or out of (−) the rental's escrow" }),
        created_at: z.string(),
      }),
    ),
  }),
);
export type RentalReceipt = z.infer<typeof rentalReceiptView>;

export const rentalMessageView = registry.register(
  'RentalMessage',
  z.object({
    id: z.uuid(),
    rental_id: z.uuid(),
    sender_id: z.uuid(),
    sender_username: z.string().nullable(),
    content: z.string(),
    created_at: z.string(),
  }),
);

export const pendingView = registry.register(
  'AgentPending',
  z.object({
    active_rentals: z.array(
      z.object({
        id: z.uuid(),
        bot_id: z.uuid(),
        renter_id: z.uuid(),
        renter_username: z.string().nullable(),
        status: z.string(),
        starts_at: z.string(),
        ends_at: z.string(),
        time_remaining_seconds: z.number().int(),
      }),
    ),
    unread_messages: z.array(rentalMessageView),
    pending_service_orders: z.array(serviceOrderView),
    notifications: z.array(z.record(z.string(), z.unknown())),
    next_cursor: z.string().openapi({
      description:
        'pass as `?after=` on your next poll (or to POST /api/agents/me/events/ack): only then are these notifications marked read',
    }),
  }),
);
