import { z } from 'zod';

/** Booleans in the environment are the strings "true"/"false" (also 1/0). */
const envBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .default(false);

const port = z.coerce.number().int().min(0).max(65535);

/**
 * The whole environment the platform reads, validated once at start-up.
 * Secrets are never logged: log `describeConfig()` instead of the object.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('agentrent'),
  METRICS_PORT: port.default(9464),
  REQUEST_BODY_LIMIT: z.string().default('256kb'),
  /** Express "trust proxy": number of proxy hops whose X-Forwarded-For is believed (0 = none). */
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  ADMIN_API_KEY: z.string().min(16).optional(),
  JWT_SECRET: z.string().min(32).default('dev-only-jwt-secret-change-me-in-production-0000'),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(5000).default(1000),
  REFERRAL_SHARE_BPS: z.coerce.number().int().min(0).max(10000).default(2000),
  REFERRAL_WINDOW_DAYS: z.coerce.number().int().min(0).default(365),
  ALLOW_PRIVATE_WEBHOOKS: envBool,
  TRON_FULL_HOST: z.url().default('http://127.0.0.1:9090'),
  TRON_USDT_CONTRACT: z.string().optional(),
  TRON_CONFIRMATIONS: z.coerce.number().int().min(1).default(19),
  TRON_DEPOSIT_MNEMONIC: z.string().optional(),
  TRON_HOT_WALLET_PRIVATE_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
    .optional(),
  WITHDRAWAL_MIN_USD: z.coerce.number().positive().default(20),
  WITHDRAWAL_FEE_USD: z.coerce.number().min(0).default(1.5),
  WITHDRAWAL_REVIEW_ABOVE_USD: z.coerce.number().positive().default(1000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

const SECRET_KEYS = new Set<keyof Config>([
  'DATABASE_URL',
  'ADMIN_API_KEY',
  'JWT_SECRET',
  'TRON_DEPOSIT_MNEMONIC',
  'TRON_HOT_WALLET_PRIVATE_KEY',
]);

/** A log-safe view of the configuration: secrets are reduced to "set"/"unset". */
export function describeConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      SECRET_KEYS.has(k as keyof Config) ? (v === undefined ? 'unset' : 'set') : v,
    ]),
  );
}
