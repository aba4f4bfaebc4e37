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
  /** Idempotency keys older than this are purged daily; the SPEC keeps them at least 24 h. */
  IDEMPOTENCY_KEY_RETENTION_HOURS: z.coerce.number().int().min(24).default(72),
  ADMIN_API_KEY: z.string().min(16).optional(),
  JWT_SECRET: z.string().min(32).default('dev-only-jwt-secret-change-me-in-production-0000'),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(5000).default(1000),
  REFERRAL_SHARE_BPS: z.coerce.number().int().min(0).max(10000).default(2000),
  REFERRAL_WINDOW_DAYS: z.coerce.number().int().min(0).default(365),
  ALLOW_PRIVATE_WEBHOOKS: envBool,
  /** Rate limits (counters live in Postgres, so they hold across API processes). */
  RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** Per-key limit for JWT sessions; API keys carry their own (api_keys.rate_limit_per_minute). */
  RATE_LIMIT_PER_KEY_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** Namespace of the rate-limit counters (separates deployments or test stacks sharing a DB). */
  RATE_LIMIT_KEY_PREFIX: z
    .string()
    .regex(/^[\w-]{1,40}$/)
    .default('rl'),
  /** How long a proxy agent's /hooks/agent may take before /v1/chat answers 503 (Rentr: 30 s). */
  AGENT_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Tasks: an accepted slot with no proof submitted within this many seconds is released. */
  TASK_ACCEPT_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(2_592_000).default(86_400),
  /** Reconciler: a held/escrow balance untouched for less than this may still be starting its owner. */
  RECONCILER_GRACE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(15),
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
  /** TronGrid API key (sent as TRON-PRO-API-KEY) for Nile/Shasta/mainnet through TronGrid. */
  TRON_API_KEY: z.string().min(1).optional(),
  /** How often workflows poll the chain: the network's block interval (TRON: 3 s). */
  TRON_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(3000),
  /** Workflow id of the single deposit watcher (tests run their own). */
  TRON_DEPOSIT_WATCHER_ID: z.string().min(1).default('deposit-watcher'),
  /** First block a brand-new watcher scans; unset = the head block when it first starts. */
  TRON_DEPOSIT_START_BLOCK: z.coerce.number().int().min(0).optional(),
  /** The watcher continues-as-new after scanning this many blocks (bounded history). */
  TRON_WATCHER_BLOCKS_PER_RUN: z.coerce.number().int().min(10).default(2000),
  /** fee_limit of a withdrawal's USDT transfer, in sun; the hot wallet needs at least this much TRX. */
  TRON_FEE_LIMIT_SUN: z.coerce.number().int().min(1).default(30_000_000),
  /** Risk rule: the first withdrawal of an account to an address goes to review. */
  WITHDRAWAL_REVIEW_NEW_ADDRESS: envBool.default(true),
  /** Risk rule: more than this many withdrawals in 24 h (this one included) go to review. */
  WITHDRAWAL_REVIEW_VELOCITY_PER_24H: z.coerce.number().int().min(1).default(5),
  /** No operator decision within this time → rejected, funds back (72 h). */
  WITHDRAWAL_REVIEW_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(72 * 3600),
  /** While the hot wallet is short of USDT/TRX, a withdrawal re-checks this often. */
  WITHDRAWAL_FUNDS_RETRY_SECONDS: z.coerce.number().int().min(1).default(60),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `VAR=` in a .env or compose file means "not set": let the default (or optional) apply.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  // The JWT default is public (it is in this file): production must bring its own.
  if (parsed.data.NODE_ENV === 'production' && !present.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET: must be set in production');
  }
  return parsed.data;
}

const SECRET_KEYS = new Set<keyof Config>([
  'DATABASE_URL',
  'ADMIN_API_KEY',
  'JWT_SECRET',
  'TRON_DEPOSIT_MNEMONIC',
  'TRON_HOT_WALLET_PRIVATE_KEY',
  'TRON_API_KEY',
]);

/** A log-safe view of the configuration: secrets are reduced to "set"/"unset". */
export function describeConfig(config: Config): Record<string, unknown> {
  // Every schema key, not just the parsed ones: an unset optional secret must show as "unset".
  return Object.fromEntries(
    (Object.keys(configSchema.shape) as Array<keyof Config>).map((k) => [
      k,
      SECRET_KEYS.has(k) ? (config[k] === undefined ? 'unset' : 'set') : config[k],
    ]),
  );
}
