/** Input and output shapes of accounts, keys, settings, referrals, wallet and admin adjustments. */
import { z } from 'zod';
import { registry } from '../openapi';
import { idParams, pageFields, pageQuery } from './common';
import { textRule, usdtAmount, uuidSchema } from '../validation';

const name = (max: number, multiline = false) =>
  textRule(
    z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(max, `must be at most ${max} characters`),
    { multiline },
  );

const referralCode = textRule(z.string({ error: 'must be a string' }).trim().min(1).max(64));

export const registerAgentInput = registry.register(
  'RegisterAgentInput',
  z.object({
    agent_name: name(64),
    /** A referrer's code (SPEC §1 Referrals): bots can be referred like people. */
    referral_code: referralCode.optional(),
  }),
);

export const registrationOutput = registry.register(
  'Registration',
  z.object({
    success: z.literal(true),
    api_key: z.string().openapi({ example: 'rr_live_…' }),
    key_prefix: z.string(),
    user_id: z.uuid(),
    agent_name: z.string(),
    note: z.string(),
  }),
);

const email = textRule(
  z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters'),
);
const password = textRule(
  z
    .string({ error: 'must be a string' })
    .min(8, 'must be at least 8 characters')
    .max(256, 'must be at most 256 characters'),
);

export const signupInput = registry.register(
  'SignupInput',
  z.object({
    email,
    password,
    username: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3-32 letters, digits, "_", "." or "-"'),
    referral_code: referralCode.optional(),
  }),
);

export const tokenInput = registry.register(
  'TokenInput',
  z.object({
    email: textRule(z.string({ error: 'must be a string' }).min(1).max(254)),
    password: textRule(z.string({ error: 'must be a string' }).min(1).max(256)),
  }),
);

export const tokenOutput = registry.register(
  'Token',
  z.object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.number() }),
);

export const createKeyInput = registry.register('CreateKeyInput', z.object({ name: name(64).optional() }));

export const apiKeyView = registry.register(
  'ApiKey',
  z.object({
    id: z.uuid(),
    key_prefix: z.string(),
    name: z.string().nullable(),
    rate_limit_per_minute: z.number(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  }),
);

export const keyIdParams = idParams;

export const settingsInput = registry.register(
  'AccountSettingsInput',
  z.object({ max_hourly_spend_usd: usdtAmount().nullable() }),
);

export const adjustmentInput = registry.register(
  'AdjustmentInput',
  z.object({
    account_id: uuidSchema,
    amount: usdtAmount({ allowNegative: true }),
    reason: name(500, true),
  }),
);

export const transactionsQuery = pageQuery();

export const adjustmentView = registry.register(
  'Adjustment',
  z.object({
    id: z.uuid(),
    journal_id: z.uuid(),
    account_id: z.uuid(),
    amount: z.number(),
    reason: z.string(),
    balance: z.object({
      available_balance: z.number(),
      held_balance: z.number(),
      total_balance: z.number(),
      currency: z.literal('USDT'),
    }),
  }),
);

export const balanceOutput = registry.register(
  'Balance',
  z.object({
    available_balance: z.number(),
    held_balance: z.number().openapi({ description: 'held for withdrawals + escrow of rentals and tasks' }),
    total_balance: z.number(),
    currency: z.literal('USDT'),
  }),
);

export const transactionView = registry.register(
  'Transaction',
  z.object({
    id: z.uuid(),
    type: z.string().openapi({ description: 'journal kind, e.g. adjustment, rental_hold, task_payout' }),
    amount: z.number().openapi({ description: 'signed change of the available balance' }),
    held_amount: z.number().openapi({ description: 'signed change of held + escrow balances' }),
    reference: z.string().nullable(),
    created_at: z.string(),
  }),
);

export const transactionsOutput = registry.register(
  'Transactions',
  z.object({ transactions: z.array(transactionView), ...pageFields }),
);

export const referralsOutput = registry.register(
  'Referrals',
  z.object({
    code: z.string(),
    link: z.string(),
    referred_users: z.array(
      z.object({
        name: z.string(),
        joined_at: z.string(),
        earning_window_expires_at: z.string(),
        commission_earned: z.number(),
      }),
    ),
  }),
);
