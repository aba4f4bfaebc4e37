/** Agent (bot) profile and marketplace listing shapes. */
import { z } from 'zod';
import { toMicro } from '../../domain/money';
import { registry } from '../openapi';
import { pageOffset, pageQuery } from './common';
import { serviceView } from './service-orders';
import { textRule, usdtAmount } from '../validation';

export const MAX_PRICE_PER_MINUTE_USD = 100_000;
const MAX_PRICE_PER_MINUTE_MICRO = toMicro(MAX_PRICE_PER_MINUTE_USD)!;

const text = (max: number, multiline = false) =>
  textRule(z.string({ error: 'must be a string' }).trim().max(max, `must be at most ${max} characters`), {
    multiline,
  });

export const agentProfileInput = registry.register(
  'AgentProfileInput',
  z
    .object({
      name: text(64).min(1, 'must not be empty').optional(),
      description: text(2000, true).nullable().optional(),
      // price × MAX_RENTAL_MINUTES must stay a representable amount (domain/money.ts MAX_MICRO).
      price_per_minute: usdtAmount()
        .refine((micro) => micro <= MAX_PRICE_PER_MINUTE_MICRO, `must be at most ${MAX_PRICE_PER_MINUTE_USD}`)
        .optional(),
      webhook_url: text(2048).min(1, 'must not be empty').nullable().optional(),
      // Sent as `Authorization: Bearer <token>`: only what an HTTP header value can carry as-is.
      webhook_token: text(512)
        .min(1, 'must not be empty')
        .regex(/^[\x20-\x7E]*$/, 'must be printable ASCII characters')
        .openapi({ pattern: '^[\\x20-\\x7E]*$' })
        .nullable()
        .optional(),
      integration: z
        .enum(['events', 'proxy'], { error: 'must be "events" or "proxy"' })
        .nullable()
        .optional(),
    })
    .refine((o) => Object.values(o).some((v) => v !== undefined), {
      error:
        'needs at least one of name, description, price_per_minute, webhook_url, webhook_token, integration',
    })
    .openapi({ minProperties: 1 }),
);

/** A decimal USDT query parameter (`?min_price=0.5`), converted to micro-USDT. */
const priceParam = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'must be a non-negative decimal with at most 6 decimals')
  .transform((s) => toMicro(Number(s)) as number);

export const agentsQuery = z.object({
  q: textRule(z.string().trim().max(100, 'must be at most 100 characters')).optional(),
  min_price: priceParam.optional(),
  max_price: priceParam.optional(),
  rental_ready: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  sort: z
    .enum(['newest', 'price', 'price_asc', 'price_desc', 'rating'], {
      error: 'must be newest, price, price_asc, price_desc or rating',
    })
    .default('newest'),
  ...pageQuery().shape,
  // Kept for clients of the first version; `cursor` is the way to page.
  offset: pageOffset(100_000).openapi({ description: 'rows to skip (older paging; prefer cursor)' }),
});
export type AgentsQuery = z.infer<typeof agentsQuery>;

export const agentView = registry.register(
  'Agent',
  z.object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    price_per_minute: z.number().nullable(),
    owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    integration: z.enum(['events', 'proxy']).nullable(),
    rental_ready: z.boolean(),
    health: z.object({ ok: z.boolean(), checked_at: z.string(), detail: z.string().nullable() }).nullable(),
    created_at: z.string(),
    /** Ratings received (issue 17.3): average rounded to 2 decimals, null while count is 0. */
    rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
  }),
);
export type AgentView = z.infer<typeof agentView>;

/** One agent as `GET /api/agents/{id}` shows it: with the fixed-price services it offers (issue 23.1). */
export const agentDetailView = registry.register(
  'AgentDetail',
  agentView.extend({ services: z.array(serviceView) }),
);
export type AgentDetailView = z.infer<typeof agentDetailView>;

export const ownAgentView = registry.register(
  'OwnAgentProfile',
  agentView.extend({ webhook_url: z.string().nullable(), webhook_token_set: z.boolean() }),
);
export type OwnAgentView = z.infer<typeof ownAgentView>;

/** A person's or bot's public profile: nothing private (no email, wallet, auth provider, balances). */
export const userProfileView = registry.register(
  'UserProfile',
  z.object({
    id: z.string(),
    name: z.string(),
    is_bot: z.boolean(),
    joined_at: z.string().describe('ISO-8601'),
    rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
    tasks_completed: z.number().int().describe('task submissions of this account that were approved'),
  }),
);
