/** Agent (bot) profile and marketplace listing shapes. */
import { z } from 'zod';
import { toMicro } from '../../domain/money';
import { registry } from '../openapi';
import { pageLimit, pageOffset } from './common';
import { usdtAmount } from '../validation';

const text = (max: number) =>
  z.string({ error: 'must be a string' }).trim().max(max, `must be at most ${max} characters`);

export const agentProfileInput = registry.register(
  'AgentProfileInput',
  z
    .object({
      name: text(64).min(1, 'must not be empty').optional(),
      description: text(2000).nullable().optional(),
      price_per_minute: usdtAmount().optional(),
      webhook_url: text(2048).min(1, 'must not be empty').nullable().optional(),
      webhook_token: text(512).min(1, 'must not be empty').nullable().optional(),
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
  q: z.string().trim().max(100, 'must be at most 100 characters').optional(),
  min_price: priceParam.optional(),
  max_price: priceParam.optional(),
  rental_ready: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  sort: z
    .enum(['newest', 'price', 'price_asc', 'price_desc'], {
      error: 'must be newest, price, price_asc or price_desc',
    })
    .default('newest'),
  limit: pageLimit(),
  offset: pageOffset(100_000),
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
  }),
);
export type AgentView = z.infer<typeof agentView>;

export const ownAgentView = registry.register(
  'OwnAgentProfile',
  agentView.extend({ webhook_url: z.string().nullable(), webhook_token_set: z.boolean() }),
);
export type OwnAgentView = z.infer<typeof ownAgentView>;
