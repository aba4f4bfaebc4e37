/**
 * What each setting of the configuration schema (domain/config.ts) means, for the generated
 * docs/CONFIGURATION.md (`npm run docs`). Typed by the schema's keys, so a new setting does not
 * compile until it is described here; type, default and accepted values come from the schema itself.
 */
import type { Config } from './config';

export interface SettingDoc {
  /** What it does (Markdown, one line). */
  text: string;
  /** What happens when it is not set and it has no default. */
  unset?: string;
  /** What `npm run dev` provides when it is not set. */
  dev?: string;
}

export const SETTING_DOCS: Record<keyof Config, SettingDoc> = {
  RENTAL_FILE_WINDOW_DAYS: {
    text: "days after a rental's end during which the bot or its owner may still upload",
  },
  RENTAL_FILE_MAX_BYTES: { text: 'largest file accepted; beyond it 413 `file_too_large`, nothing stored' },
  FILE_STORAGE: {
    text: 'where file bytes live: `local` (`FILE_STORAGE_DIR`) or `s3` (any S3-compatible store)',
  },
  FILE_STORAGE_DIR: { text: 'the local store (relative to the working directory)' },
  FILE_QUOTA_ACCOUNT_BYTES: {
    text: 'bytes stored for all rentals of one bot owner (all its bots together; an ownerless bot alone); beyond it 413 `storage_quota_exceeded`, nothing stored',
  },
  FILE_QUOTA_RENTAL_BYTES: {
    text: 'bytes stored for one rental; beyond it 413 `storage_quota_exceeded`, nothing stored',
  },
  MAX_OWNED_BOTS: { text: 'bots one person may own; one more is 409 `too_many_bots`' },
  MAX_API_KEYS: {
    text: 'live (unrevoked) API keys per account, its first key included; one more is 409 `too_many_api_keys`',
  },
  RATING_MIN_PAID_USDT: {
    text: "smallest payment (rental's billed minutes × price, or the task's reward) for which a rating counts in averages, `sort=rating` and profile counts; ratings by the rated account's owner or its bots never count",
  },
  S3_BUCKET: {
    text: "the bucket; credentials from the AWS SDK's default chain (env, profile, role)",
    unset: 'required with `s3`',
  },
  S3_ENDPOINT: { text: 'URL of an S3-compatible store (MinIO, R2, Ceph …)', unset: 'AWS' },
  S3_REGION: { text: 'region of the bucket' },
  S3_FORCE_PATH_STYLE: { text: '`true` for stores without virtual-host buckets (MinIO, s3rver)' },
  NODE_ENV: { text: 'the environment the process runs in' },
  LOG_LEVEL: { text: 'pino log level' },
  PORT: { text: 'API port' },
  PUBLIC_BASE_URL: {
    text: 'external URL of the API, used for referral links and the `/r/<code>` redirect',
    unset: "the request's host",
  },
  DATABASE_URL: {
    text: 'Postgres connection string; set → `npm run dev` uses it and starts no Postgres',
    dev: 'embedded',
  },
  DATABASE_POOL_SIZE: { text: 'Postgres connections per process' },
  TEMPORAL_ADDRESS: { text: 'Temporal frontend; set → `npm run dev` uses it and starts no dev server' },
  TEMPORAL_NAMESPACE: { text: 'Temporal namespace' },
  TEMPORAL_UI_URL: {
    text: 'Temporal Web UI the operator console links every workflow to (`/namespaces/<ns>/workflows/<id>`)',
  },
  TEMPORAL_TASK_QUEUE: { text: "the worker's task queue" },
  TEMPORAL_TLS_CERT: {
    text: 'mTLS client certificate (PEM) for a cluster or Temporal Cloud; set with `TEMPORAL_TLS_KEY`',
  },
  TEMPORAL_TLS_KEY: { text: 'the private key (PEM) of `TEMPORAL_TLS_CERT`' },
  TEMPORAL_TLS_CA: { text: "a self-hosted frontend's CA (PEM)", unset: 'the system roots' },
  TEMPORAL_TLS_SERVER_NAME: {
    text: 'the TLS server name of a self-hosted frontend',
    unset: "the address's host",
  },
  TEMPORAL_API_KEY: { text: 'Temporal Cloud API key (implies TLS)' },
  WORKFLOW_BUNDLE_PATH: {
    text: 'a prebuilt workflow bundle (the Docker image sets it)',
    unset: 'built at start by a child process, cached by source hash: [MEMORY.md](MEMORY.md)',
  },
  WORKER_MAX_CACHED_WORKFLOWS: {
    text: 'workflow runs the worker keeps in memory between their tasks (~300 KB each; RSS ≈ idle + this × 300 KB however many rentals are active); past it the least recently used replays its history on its next task. `0` = no cache ([MEMORY.md](MEMORY.md))',
  },
  WORKER_STICKY_QUEUE_TIMEOUT_MS: {
    text: "how long a cached run's task waits on its worker's own queue before any worker takes it (and replays it): the delay a rental pays when its worker died",
  },
  WORKER_REUSE_V8_CONTEXT: {
    text: 'all workflow runs share one V8 context (several times less memory per run); `false` only to rule it out when chasing a workflow isolation bug',
  },
  API_METRICS_PORT: {
    text: "the API's Prometheus endpoint (`GET /metrics`), a listener of its own, never the public `PORT` ([OPERATIONS.md](OPERATIONS.md#health-and-metrics); `0` = off)",
  },
  API_METRICS_HOST: {
    text: 'address the API metrics listener binds: loopback by default; `0.0.0.0` only on a network the public cannot reach (compose sets it for its internal network)',
  },
  METRICS_PORT: { text: "worker's Temporal SDK Prometheus endpoint (`0` = off)" },
  WORKER_METRICS_PORT: {
    text: "worker's business metrics endpoint ([the metrics](OPERATIONS.md#worker-business-metrics); `0` = off)",
  },
  REQUEST_BODY_LIMIT: { text: 'larger JSON bodies get 413' },
  TRUST_PROXY: {
    text: 'proxy hops whose `X-Forwarded-For` is trusted (`0`: ignored; set it only behind your own proxy)',
  },
  IDEMPOTENCY_KEY_RETENTION_HOURS: { text: 'Idempotency-Keys older than this are purged daily' },
  ADMIN_API_KEY: {
    text: 'operator key; acts as the platform operator account (role `admin`, not rate limited)',
    dev: 'generated',
  },
  CONSOLE_SESSION_TTL_MINUTES: {
    text: 'lifetime of an operator console session (absolute; logout ends it sooner)',
  },
  JWT_SECRET: {
    text: "HMAC secret for people's JWTs (e.g. `openssl rand -hex 32`); missing → api and worker stop, naming it",
    dev: 'generated',
  },
  PLATFORM_FEE_BPS: { text: 'platform fee on every payout to an earner, in basis points (1000 = 10%)' },
  REFERRAL_SHARE_BPS: {
    text: "referrer's share of the platform fees a referred user generates, in basis points (2000 = 20%)",
  },
  REFERRAL_WINDOW_DAYS: { text: 'how long after the referred user joined the referrer earns' },
  ALLOW_PRIVATE_WEBHOOKS: {
    text: 'allow webhook / proxy URLs on private, loopback and link-local addresses',
    dev: '`true`',
  },
  RATE_LIMIT_PER_IP_PER_MINUTE: {
    text: '`/v1/*`, `/api/v1/chat`, `/api/v1/status` requests per IP per minute',
  },
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: { text: 'registrations and sign-ups per IP per hour' },
  RATE_LIMIT_PER_KEY_PER_MINUTE: {
    text: 'per-account limit of **JWT sessions**; API keys use their own `rate_limit_per_minute` (default 300)',
  },
  RATE_LIMIT_DM_PER_SENDER_PER_HOUR: {
    text: 'direct messages one account may send per hour, to anyone; beyond it 429 `rate_limited`',
  },
  RATE_LIMIT_DM_PER_PAIR_PER_HOUR: {
    text: 'direct messages one account may send per hour to one recipient; beyond it 429 `rate_limited`',
  },
  RATE_LIMIT_KEY_PREFIX: {
    text: 'namespace of the rate-limit counters (deployments or test stacks sharing a database)',
  },
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP: {
    text: 'failed password sign-ins (`POST /api/v1/auth/token`, console email login) per account (email) from one IP per guess window',
  },
  RATE_LIMIT_LOGIN_PER_ACCOUNT: {
    text: 'failed password sign-ins per account (email) from all addresses per guess window: a softer ceiling, well above the per-IP one, so failures by others do not lock the owner out',
  },
  RATE_LIMIT_LOGIN_PER_IP: {
    text: 'failed password sign-ins per IP (IPv6: per /64) per guess window',
  },
  RATE_LIMIT_CONSOLE_KEY_PER_IP: {
    text: 'failed console logins with a key (`POST /api/v1/admin/session`) per IP per guess window; a budget of its own',
  },
  RATE_LIMIT_BAD_CREDENTIALS_PER_IP: {
    text: 'failed API keys, admin keys and tokens on authenticated routes per IP per guess window; past it 429 + Retry-After',
  },
  RATE_LIMIT_RENTAL_CODES_PER_IP: {
    text: 'failed rental-code lookups on the Rentr routes per IP (IPv6: per /64) per guess window',
  },
  RATE_LIMIT_GUESS_WINDOW_SECONDS: { text: 'the guess window of the guessing limits above' },
  AGENT_PROXY_TIMEOUT_MS: {
    text: 'how long a proxy agent may take before `/v1/chat` answers 503 (cut at 35 s, see below)',
  },
  REQUEST_DEADLINE_MS: {
    text: "server-side deadline of a request (and `/v1/chat`'s whole budget); past it 504",
  },
  ADMIN_REQUEST_DEADLINE_MS: { text: 'the deadline of `/api/v1/admin/*`' },
  MCP_REQUEST_DEADLINE_MS: { text: 'the deadline of `/api/v1/mcp*`' },
  MCP_ALLOWED_HOSTS: {
    text: 'host names (any port, comma-separated) an MCP request’s `Host` may name; others get 403 `mcp_host_not_allowed` (docs/MCP.md)',
    unset: 'the host of `PUBLIC_BASE_URL`, plus `localhost`, `127.0.0.1`, `[::1]` outside production',
  },
  MCP_ALLOWED_ORIGINS: {
    text: 'origins (`scheme://host[:port]`, comma-separated) a browser may send MCP requests from; others get 403 `mcp_origin_not_allowed`',
    unset: 'any `http(s)` origin on an allowed host',
  },
  MCP_CONFORMANCE_FIXTURES: {
    text: 'tests only: serve the MCP conformance suite’s fixture tool `test_reconnection`',
  },
  TASK_ACCEPT_DEADLINE_SECONDS: { text: 'an accepted task slot without proof is released after this' },
  TASK_REVIEW_WINDOW_SECONDS: {
    text: 'tests and soaks only: one review window for every reward tier (tasks and service orders)',
    unset: "the reward tier's window",
  },
  TASK_DEFAULT_TTL_HOURS: { text: 'a task created without `expires_at` expires this many hours later' },
  TASK_MIN_TTL_MINUTES: { text: 'the earliest `expires_at` a creation may ask for, minutes from now' },
  TASK_MAX_TTL_DAYS: { text: 'the latest `expires_at` a creation may ask for, days from now' },
  TASK_MIN_TTL_SECONDS: {
    text: 'tests and soaks only: replaces the minimum with this many seconds',
    unset: '`TASK_MIN_TTL_MINUTES`',
  },
  SERVICE_ORDER_ACCEPT_HOURS: {
    text: 'a service order its seller neither accepts nor declines within this many hours ends `expired`, the buyer refunded in full and both parties told',
  },
  SERVICE_ORDER_OVERDUE_GRACE_HOURS: {
    text: 'an accepted service order still undelivered this many hours past `deliver_by` is cancelled, the buyer refunded in full and both parties told (until then the buyer may cancel or wait)',
  },
  RECONCILER_GRACE_MINUTES: { text: 'the reconciler leaves held/escrow balances younger than this alone' },
  TRON_FULL_HOST: { text: 'TRON full node (java-tron HTTP API); set → `npm run dev` starts no devchain' },
  TRON_USDT_CONTRACT: {
    text: 'USDT TRC-20 contract (base58); deposits and withdrawals are off without it',
    dev: 'from devchain',
  },
  TRON_API_KEY: { text: 'TronGrid API key, sent as `TRON-PRO-API-KEY`' },
  TRON_CONFIRMATIONS: {
    text: 'blocks on top (besides solidified) before a deposit is credited / a withdrawal is confirmed',
  },
  TRON_DEPOSIT_MNEMONIC: {
    text: 'BIP-39 mnemonic the deposit addresses derive from (BIP-44 coin 195); deposits are off without it',
    dev: 'generated',
  },
  TRON_DEPOSIT_XPUB: {
    text: "account-level xpub (m/44'/195'/0'): addresses derive from it without the mnemonic (production); wins over the mnemonic",
  },
  TRON_HOT_WALLET_PRIVATE_KEY: {
    text: 'signs withdrawals (without it withdrawals wait in `waiting_funds`)',
    dev: 'generated',
  },
  TRON_HOT_WALLET_ADDRESS: {
    text: 'the hot wallet whose balances the console shows, so the API process needs no private key',
    unset: 'from the private key',
  },
  TRON_POLL_INTERVAL_MS: { text: 'how often workflows poll the chain (the block interval)' },
  TRON_DEPOSIT_WATCHER_ID: { text: 'workflow id of the deposit watcher (also the key of its saved cursor)' },
  TRON_DEPOSIT_START_BLOCK: { text: 'first block a brand-new watcher scans', unset: 'the head' },
  TRON_WATCHER_BLOCKS_PER_RUN: { text: 'blocks per watcher run before continue-as-new' },
  TRON_FEE_LIMIT_SUN: {
    text: '`fee_limit` of a withdrawal transfer; the hot wallet needs at least this much TRX',
  },
  WITHDRAWAL_MIN_USD: { text: 'minimum withdrawal (gross)' },
  WITHDRAWAL_FEE_USD: { text: 'withdrawal fee, kept by the platform' },
  WITHDRAWAL_REVIEW_ABOVE_USD: { text: 'larger withdrawals wait for an operator' },
  REVIEW_SECOND_APPROVER_USDT: {
    text: 'approving a reviewed withdrawal of more than this (USDT) needs two different operators',
  },
  WITHDRAWAL_REVIEW_NEW_ADDRESS: { text: "an account's first withdrawal to an address waits for review" },
  WITHDRAWAL_REVIEW_VELOCITY_PER_24H: {
    text: 'more withdrawals than this in 24 h (this one included) wait for review',
  },
  WITHDRAWAL_REVIEW_TIMEOUT_SECONDS: { text: 'undecided reviews are rejected after this (72 h; funds back)' },
  WITHDRAWAL_FUNDS_RETRY_SECONDS: { text: 're-check interval while the hot wallet is short of USDT or TRX' },
};
