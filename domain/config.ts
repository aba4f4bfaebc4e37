import { z } from 'zod';
import { toMicro } from './money';
import { SERVICE_ORDER_DEADLINE_DEFAULTS } from './service-orders';

/** Booleans in the environment are the strings "true"/"false" (also 1/0). */
const envBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .default(false);

const port = z.coerce.number().int().min(0).max(65535);

/** A comma-separated list; entries trimmed and lower-cased, empty ones dropped. */
const lowerCaseList = z.string().transform((v) =>
  v
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== ''),
);

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
  /** mTLS to a self-hosted cluster or Temporal Cloud: PEM client certificate and key (both or neither). */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** PEM CA of a self-hosted cluster's frontend; unset = the system roots. */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** TLS server name when it differs from the TEMPORAL_ADDRESS host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key (implies TLS). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** A workflow bundle prebuilt by scripts/build-workflow-bundle.ts (the image); unset = built by a child process at start, cached by source hash. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /**
   * The API's Prometheus endpoint, a listener of its own (api/metrics-server.ts), never the public
   * API port; 0 = off. Bound to API_METRICS_HOST: loopback unless the scraper is elsewhere.
   */
  API_METRICS_PORT: port.default(9466),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: port.default(9464),
  /** The worker's business metrics (worker/metrics.ts); 0 = off. */
  WORKER_METRICS_PORT: port.default(9465),
  /**
   * The worker's workflow cache (docs/MEMORY.md): how many workflow runs it keeps in memory between
   * their tasks, each a few hundred KB. Past it the least recently used run is evicted and its next
   * task (a chat, a timer) replays its history first. 0 = no cache (every task replays).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .refine((n) => n !== 1, 'must be 0 (no cache) or at least 2')
    .default(1000),
  /**
   * How long a task for a cached run waits on this worker's own (sticky) queue before the server
   * hands it to any worker, which replays it: the delay a task pays when its worker died.
   */
  WORKER_STICKY_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(10_000),
  /**
   * All workflow runs share one V8 context (the SDK's default; a cached run costs ~10× less than
   * with a context of its own). false only to rule it out when chasing a workflow isolation bug.
   */
  WORKER_REUSE_V8_CONTEXT: envBool.default(true),
  REQUEST_BODY_LIMIT: z.string().default('256kb'),
  /** Express "trust proxy": number of proxy hops whose X-Forwarded-For is believed (0 = none). */
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  /** Idempotency keys older than this are purged daily; the SPEC keeps them at least 24 h. */
  IDEMPOTENCY_KEY_RETENTION_HOURS: z.coerce.number().int().min(24).default(72),
  ADMIN_API_KEY: z.string().min(16).optional(),
  /**
   * No default: a default would be public (it would be in this file). `npm run dev` generates one
   * (scripts/dev-secrets.ts); tests set their own.
   */
  JWT_SECRET: z
    .string({
      error: (iss) =>
        iss.input === undefined ? 'required (≥ 32 characters, e.g. `openssl rand -hex 32`)' : undefined,
    })
    .min(32),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(5000).default(1000),
  REFERRAL_SHARE_BPS: z.coerce.number().int().min(0).max(10000).default(2000),
  REFERRAL_WINDOW_DAYS: z.coerce.number().int().min(0).default(365),
  ALLOW_PRIVATE_WEBHOOKS: envBool,
  /** Rate limits (counters live in Postgres, so they hold across API processes). */
  RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** Per-key limit for JWT sessions; API keys carry their own (api_keys.rate_limit_per_minute). */
  RATE_LIMIT_PER_KEY_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** Direct messages one account may send per hour, to anyone (120). */
  RATE_LIMIT_DM_PER_SENDER_PER_HOUR: z.coerce.number().int().min(1).default(120),
  /** Direct messages one account may send per hour to one recipient (30). */
  RATE_LIMIT_DM_PER_PAIR_PER_HOUR: z.coerce.number().int().min(1).default(30),
  /**
   * Guessing limits, per RATE_LIMIT_GUESS_WINDOW_SECONDS (a fixed window from the first failure),
   * counting failures only: failed password sign-ins per (email, client IP), per client IP, and per
   * email from all addresses (a softer ceiling, so others' failures do not lock the owner out);
   * failed console logins with a key per IP (their own budget); failed API keys / admin keys /
   * tokens on every authenticated route per IP; failed rental-code lookups on the Rentr routes
   * per IP. IPv6 clients count by /64.
   */
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_LOGIN_PER_IP: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_CONSOLE_KEY_PER_IP: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_BAD_CREDENTIALS_PER_IP: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_RENTAL_CODES_PER_IP: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_GUESS_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Namespace of the rate-limit counters (separates deployments or test stacks sharing a DB). */
  RATE_LIMIT_KEY_PREFIX: z
    .string()
    .regex(/^[\w-]{1,40}$/)
    .default('rl'),
  /**
   * Server-side request deadlines (SPEC "Deadlines"): past it the API answers 504 with
   * Retry-After: 5 and cancels its Temporal calls. At most 55 s, so an Idempotency-Key left in
   * flight by a timed-out request is reclaimable (after 60 s) only once that request is over.
   */
  REQUEST_DEADLINE_MS: z.coerce.number().int().min(500).max(55_000).default(30_000),
  /** The deadline of operator endpoints (/api/v1/admin/*). */
  ADMIN_REQUEST_DEADLINE_MS: z.coerce.number().int().min(500).max(55_000).default(45_000),
  /**
   * DNS-rebinding guard of the MCP endpoints (domain/mcp-origin.ts): the host names (any port) an
   * MCP request's Host may name. Unset = PUBLIC_BASE_URL's host, plus localhost, 127.0.0.1 and
   * [::1] outside production.
   */
  MCP_ALLOWED_HOSTS: lowerCaseList.optional(),
  /** Origins (`scheme://host[:port]`) a browser may send MCP requests from. Unset = http(s) on an allowed host. */
  MCP_ALLOWED_ORIGINS: lowerCaseList.optional(),
  /** Tests only: serve the MCP conformance suite's fixture tool `test_reconnection` (api/mcp/conformance-fixtures.ts). */
  MCP_CONFORMANCE_FIXTURES: envBool,
  /** The deadline of MCP requests (/api/v1/mcp*). */
  MCP_REQUEST_DEADLINE_MS: z.coerce.number().int().min(500).max(55_000).default(15_000),
  /** How long a proxy agent's /hooks/agent may take before /v1/chat answers 503 (Rentr: 30 s). */
  AGENT_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Tasks: an accepted slot with no proof submitted within this many seconds is released. */
  TASK_ACCEPT_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(2_592_000).default(86_400),
  /** Tests and soaks only: one review window for every reward tier instead of the SPEC's 24 h–7 days. */
  TASK_REVIEW_WINDOW_SECONDS: z.coerce.number().int().min(1).max(604_800).optional(),
  /** Tasks: `expires_at` when a creation names none, this many hours from now (7 days). */
  TASK_DEFAULT_TTL_HOURS: z.coerce.number().int().min(1).max(8_760).default(168),
  /** Tasks: the earliest `expires_at` a creation may ask for, minutes from now. */
  TASK_MIN_TTL_MINUTES: z.coerce.number().int().min(1).max(525_600).default(60),
  /** Tasks: the latest `expires_at` a creation may ask for, days from now. */
  TASK_MAX_TTL_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  /** Tests and soaks only: replaces TASK_MIN_TTL_MINUTES with this many seconds. */
  TASK_MIN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).optional(),
  /**
   * Service orders: a pending order the seller neither accepts nor declines within this many hours
   * expires, refunded in full (72 h; see SERVICE_ORDER_DEADLINE_DEFAULTS for why).
   */
  SERVICE_ORDER_ACCEPT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(720)
    .default(SERVICE_ORDER_DEADLINE_DEFAULTS.acceptHours),
  /**
   * Service orders: an accepted order still undelivered this many hours past `deliver_by` is
   * cancelled, refunded in full, as if the buyer had cancelled it (168 h = 7 days).
   */
  SERVICE_ORDER_OVERDUE_GRACE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_160)
    .default(SERVICE_ORDER_DEADLINE_DEFAULTS.overdueGraceHours),
  /** Reconciler: a held/escrow balance untouched for less than this may still be starting its owner. */
  RECONCILER_GRACE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(15),
  TRON_FULL_HOST: z.url().default('http://127.0.0.1:9090'),
  TRON_USDT_CONTRACT: z.string().optional(),
  TRON_CONFIRMATIONS: z.coerce.number().int().min(1).default(19),
  TRON_DEPOSIT_MNEMONIC: z.string().optional(),
  /**
   * Account-level extended public key (m/44'/195'/0') of the deposit wallet: the API derives
   * deposit addresses m/44'/195'/0'/0/<index> from it, so production never needs the mnemonic.
   * Takes precedence over TRON_DEPOSIT_MNEMONIC (which stays for development).
   */
  TRON_DEPOSIT_XPUB: z
    .string()
    .regex(/^xpub[1-9A-HJ-NP-Za-km-z]{100,112}$/, "must be an account-level xpub (m/44'/195'/0')")
    .optional(),
  TRON_HOT_WALLET_PRIVATE_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
    .optional(),
  WITHDRAWAL_MIN_USD: z.coerce.number().positive().default(20),
  WITHDRAWAL_FEE_USD: z.coerce.number().min(0).default(1.5),
  WITHDRAWAL_REVIEW_ABOVE_USD: z.coerce.number().positive().default(1000),
  /**
   * Four eyes on large payouts: approving a withdrawal in review of more than this needs two
   * different operators (the first approval is recorded; it stays in review until the second).
   */
  REVIEW_SECOND_APPROVER_USDT: z.coerce.number().min(0).default(1000),
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
  /** Base URL of the Temporal Web UI the operator console links each workflow to. */
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  /** How long an operator console session lasts after login (absolute, no sliding). */
  CONSOLE_SESSION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(8 * 60),
  /** The hot wallet's address for the console's balances; unset = derived from TRON_HOT_WALLET_PRIVATE_KEY. */
  TRON_HOT_WALLET_ADDRESS: z.string().min(1).optional(),
  /** Deliverable files (issue 17): the bot or its owner uploads during a rental and this many days after its end. */
  RENTAL_FILE_WINDOW_DAYS: z.coerce.number().min(0).default(7),
  /** Largest accepted file, in bytes (25 MB); beyond it 413 `file_too_large` and nothing is stored. */
  RENTAL_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(25 * 1024 * 1024),
  /** Where file bytes live: `local` (FILE_STORAGE_DIR) or `s3` (any S3-compatible store). */
  FILE_STORAGE: z.enum(['local', 's3']).default('local'),
  FILE_STORAGE_DIR: z.string().min(1).default('.data/files'),
  S3_BUCKET: z.string().min(1).optional(),
  /** An S3-compatible endpoint (MinIO, R2, …); unset = AWS. Credentials: the SDK's default chain. */
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: envBool,
  /**
   * Bytes of files stored for all rentals of one earning account (a bot's owner with all its bots,
   * or an ownerless bot): 1 GiB. Beyond it 413 `storage_quota_exceeded`, nothing stored.
   */
  FILE_QUOTA_ACCOUNT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024 * 1024),
  /** Bytes of files stored for one rental (200 MB); beyond it 413 `storage_quota_exceeded`. */
  FILE_QUOTA_RENTAL_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(200 * 1024 * 1024),
  /** Bots one person may own (25); one more is 409 `too_many_bots`. */
  MAX_OWNED_BOTS: z.coerce.number().int().min(1).default(25),
  /** Live (unrevoked) API keys per account (20); one more is 409 `too_many_api_keys`. */
  MAX_API_KEYS: z.coerce.number().int().min(1).default(20),
  /**
   * A rating counts (averages, `sort=rating`, profile counts) only when its rental or task paid at
   * least this many USDT and the rater is not on the rated account's side (owner, its bots).
   */
  RATING_MIN_PAID_USDT: z.coerce
    .number()
    .min(0)
    .max(1_000_000)
    .refine((v) => toMicro(v) !== null, 'at most 6 decimals')
    .default(1),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a whole UTF-8 file; the process layer passes one (worker/config.ts), keeping this module free of I/O. */
export type ReadFile = (path: string) => string;

/**
 * `X_FILE=/run/secrets/x` stands for `X=<that file's contents>` (docker/compose secrets), for
 * every setting. Setting both is an error; one trailing newline of the file is dropped.
 */
function readFileSettings(
  env: Record<string, string | undefined>,
  readFile: ReadFile,
): Record<string, string | undefined> {
  const out = { ...env };
  const problems: string[] = [];
  for (const key of Object.keys(configSchema.shape)) {
    const file = env[`${key}_FILE`];
    if (file === undefined) continue;
    delete out[`${key}_FILE`];
    if (env[key] !== undefined) {
      problems.push(`${key}: set either ${key} or ${key}_FILE, not both`);
      continue;
    }
    try {
      out[key] = readFile(file).replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${key}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return out;
}

/** One setting straight from the environment (X, or the file X_FILE names), for tools without a full config. */
export function envSettingOf(
  key: keyof Config,
  env: NodeJS.ProcessEnv,
  readFile: ReadFile,
): string | undefined {
  const only = { [key]: env[key] || undefined, [`${key}_FILE`]: env[`${key}_FILE`] || undefined };
  return readFileSettings(only, readFile)[key];
}

/** Parses the environment; a bad value throws a ConfigError naming every offending variable. */
export function parseConfig(env: NodeJS.ProcessEnv, readFile: ReadFile): Config {
  // `VAR=` in a .env or compose file means "not set": let the default (or optional) apply.
  const present = readFileSettings(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')),
    readFile,
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** Settings never logged or shown: describeConfig() and the docs mark them. */
export const SECRET_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>([
  'DATABASE_URL',
  'ADMIN_API_KEY',
  'JWT_SECRET',
  'TRON_DEPOSIT_MNEMONIC',
  'TRON_HOT_WALLET_PRIVATE_KEY',
  'TRON_API_KEY',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_API_KEY',
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
