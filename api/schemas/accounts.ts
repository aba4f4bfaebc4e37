/** Input and output shapes of accounts, keys, settings and referrals (balances and adjustments: schemas/ledger.ts). */
import { z } from 'zod';
import { registry } from '../openapi';
import { idParams } from './common';
import { textRule, usdtAmount } from '../validation';

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
