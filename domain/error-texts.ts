/**
 * The one table of client-visible errors, keyed by the stable snake_case `code` every error body
 * carries (`{"error": "<text>", "code": "<code>"}`, REST and MCP alike). Throw sites name a code;
 * the text and the kind (which fixes the HTTP status, api/errors.ts) come from here, so a client
 * matching on either sees the same thing from whichever layer (REST, MCP, workflow, activity)
 * detects the condition. Pure constants: workflows import them.
 *
 * A text is fixed, or a function of what only the throw site knows (the field that failed
 * validation, the thing not found). The generic codes (`validation`, `not_found`, `conflict` …,
 * each its kind in lower case) cover conditions whose words are built where they are raised.
 * docs/ERRORS.md is generated from this table (`npm run docs`).
 */
import type { ErrorCode } from './errors';

/** An ErrorCode's value: the kind of a condition, which maps to one HTTP status. */
export type ErrorKind = `${ErrorCode}`;

interface ErrorEntry {
  /** Undefined only for the 500 of an unexpected failure. */
  readonly kind?: ErrorKind;
  readonly text: string | ((...args: never[]) => string);
}

const given = (text: string) => text;

export const ERRORS = {
  // ── generic codes: the default of each kind; the text is built where the error is raised ──
  validation: { kind: 'VALIDATION', text: given },
  invalid_data: { kind: 'INVALID_DATA', text: given },
  unauthorized: { kind: 'UNAUTHORIZED', text: given },
  forbidden: { kind: 'FORBIDDEN', text: given },
  not_found: { kind: 'NOT_FOUND', text: (what: string) => `${what} not found` },
  conflict: { kind: 'CONFLICT', text: given },
  unavailable: { kind: 'UNAVAILABLE', text: given },
  agent_unavailable: { kind: 'AGENT_UNAVAILABLE', text: given },
  timeout: { kind: 'TIMEOUT', text: given },
  rate_limited: { kind: 'RATE_LIMITED', text: (what: string) => `rate limit exceeded: ${what}` },

  // ── request edge ──
  route_not_found: {
    kind: 'NOT_FOUND',
    text: (method: string, path: string) => `no route for ${method} ${path}`,
  },
  malformed_json: { kind: 'VALIDATION', text: 'malformed JSON body' },
  unreadable_body: { kind: 'VALIDATION', text: 'unreadable request body' },
  json_too_deep: {
    kind: 'VALIDATION',
    text: (where: string, levels: number) => `${where}: nested deeper than ${levels} levels`,
  },
  payload_too_large: { kind: 'PAYLOAD_TOO_LARGE', text: 'request body too large' },
  // A list's `cursor` that no previous page of that list handed out (domain/pagination.ts).
  invalid_cursor: {
    kind: 'VALIDATION',
    text: 'cursor: not a cursor returned by a previous page of this list',
  },
  internal_error: { text: 'internal error' },
  workflow_service_unavailable: { kind: 'UNAVAILABLE', text: 'workflow service unavailable, try again' },

  // ── credentials ──
  missing_credentials: {
    kind: 'UNAUTHORIZED',
    text: 'missing credentials: send X-API-Key or Authorization: Bearer',
  },
  invalid_credentials: { kind: 'UNAUTHORIZED', text: 'invalid or revoked credentials' },
  invalid_email_or_password: { kind: 'UNAUTHORIZED', text: 'invalid email or password' },
  admin_only: { kind: 'FORBIDDEN', text: 'admin only' },
  /** Rentr's words for the rental-code credential of `/v1/*`. */
  missing_rental_code: { kind: 'UNAUTHORIZED', text: 'Missing API key: send your rental code in X-API-Key' },
  invalid_rental_code: { kind: 'UNAUTHORIZED', text: 'Invalid API key' },
  ambiguous_rental_code: {
    kind: 'VALIDATION',
    text: 'Ambiguous rental code: send more characters of the rental id',
  },

  // ── idempotency, limits, money ──
  idempotency_key_required: { kind: 'VALIDATION', text: 'Idempotency-Key header is required' },
  idempotency_mismatch: {
    kind: 'IDEMPOTENCY_MISMATCH',
    text: 'Idempotency-Key was already used with different parameters',
  },
  idempotency_in_flight: {
    kind: 'IDEMPOTENCY_IN_FLIGHT',
    text: 'request with this Idempotency-Key is still in flight',
  },
  insufficient_balance: { kind: 'INSUFFICIENT_BALANCE', text: 'insufficient balance' },
  spend_cap_exceeded: {
    kind: 'SPEND_CAP_EXCEEDED',
    text: 'hourly spend limit (max_hourly_spend_usd) exceeded',
  },

  // ── accounts, agents, webhooks ──
  api_key_already_revoked: { kind: 'CONFLICT', text: 'API key is already revoked' },
  too_many_api_keys: {
    kind: 'CONFLICT',
    text: (max: number) => `this account already has ${max} live API keys (the limit): revoke one first`,
  },
  too_many_bots: {
    kind: 'CONFLICT',
    text: (max: number) => `you already own ${max} bots (the limit)`,
  },
  people_own_agents: { kind: 'FORBIDDEN', text: 'only people can own agents; bots register themselves' },
  bots_have_profiles: { kind: 'FORBIDDEN', text: 'only agents (bot accounts) have a profile' },
  webhook_url_missing: { kind: 'CONFLICT', text: 'no webhook_url is set for this account' },
  webhook_endpoint_disabled: {
    kind: 'CONFLICT',
    text: 'webhook endpoint is disabled: re-enable it with POST /api/v1/webhooks/endpoint/enable',
  },
  webhook_delivery_in_progress: { kind: 'CONFLICT', text: 'delivery is still in progress' },
  deposits_not_configured: { kind: 'UNAVAILABLE', text: 'deposits are not configured on this server' },
  email_taken: { kind: 'CONFLICT', text: 'email is already registered' },
  username_taken: { kind: 'CONFLICT', text: 'username is already taken' },

  // ── rentals ──
  /** Rentr's words (`/v1/chat`, `/v1/status`), used for every "this rental is over / not running". */
  /** Also what a non-participant hears, so ids of others' rentals reveal nothing. */
  rental_not_found: { kind: 'NOT_FOUND', text: 'rental not found' },
  agent_not_rentable: { kind: 'CONFLICT', text: 'agent is not rentable: it has no price_per_minute' },
  rental_own_agent: { kind: 'CONFLICT', text: 'you cannot rent your own agent' },
  rental_not_active: { kind: 'RENTAL_NOT_ACTIVE', text: 'Rental not active' },
  /** AgentsAccess bots look for "ended" in a 400 to a message post. */
  rental_ended: { kind: 'RENTAL_ENDED', text: 'rental ended' },
  rental_already_ended: { kind: 'CONFLICT', text: 'rental already ended' },
  rental_extend_not_renter: { kind: 'FORBIDDEN', text: 'only the renter can extend a rental' },
  rental_end_not_allowed: {
    kind: 'FORBIDDEN',
    text: 'only the renter, the owner or an operator can end a rental',
  },
  // Rentals booked ahead (domain/rental-booking.ts).
  rental_starts_at_too_soon: {
    kind: 'VALIDATION',
    text: 'starts_at: must be at least 1 minute from now (omit it to start now)',
  },
  rental_starts_at_too_far: { kind: 'VALIDATION', text: 'starts_at: must be at most 30 days from now' },
  rental_already_started: {
    kind: 'CONFLICT',
    text: 'rental already started: only a scheduled rental can be cancelled (end it instead)',
  },
  rental_not_started: {
    kind: 'CONFLICT',
    text: 'rental has not started yet: cancel it with POST /api/rentals/{id}/cancel',
  },
  rental_cancel_not_allowed: {
    kind: 'FORBIDDEN',
    text: "only the renter or the bot's owner can cancel a rental",
  },
  // The receipt (docs/RENTALS.md): the renter's and the earner's.
  rental_receipt_not_allowed: {
    kind: 'FORBIDDEN',
    text: "only the renter or the bot's owner can read a rental's receipt",
  },
  rental_not_settled: {
    kind: 'CONFLICT',
    text: 'rental has not ended and settled yet: its receipt comes with the settlement',
  },
  /** Rentr's 502 text. */
  agent_error: { kind: 'AGENT_ERROR', text: 'Agent temporarily unavailable' },
  agent_unreachable: { kind: 'AGENT_UNAVAILABLE', text: 'Agent unreachable' },
  agent_unconfigured: { kind: 'AGENT_UNAVAILABLE', text: 'Agent webhook not configured' },
  agent_no_reply: { kind: 'AGENT_UNAVAILABLE', text: 'agent did not reply within 30 seconds' },

  // ── rental files ──
  file_too_large: { kind: 'PAYLOAD_TOO_LARGE', text: 'file too large' },
  file_missing: {
    kind: 'VALIDATION',
    text: 'file: send multipart/form-data with one file in the field `file`',
  },
  file_not_found: { kind: 'NOT_FOUND', text: 'file not found' },
  rental_file_not_allowed: { kind: 'FORBIDDEN', text: 'only the rented bot or its owner can upload files' },
  storage_quota_exceeded: {
    kind: 'PAYLOAD_TOO_LARGE',
    text: (which: string) => `storage quota exceeded: ${which}; nothing was stored`,
  },
  rental_file_window_closed: {
    kind: 'FORBIDDEN',
    text: 'the file upload window of this rental has closed',
  },

  // ── tasks ──
  task_review_not_creator: { kind: 'FORBIDDEN', text: 'only the task creator may review submissions' },
  task_cancel_not_creator: { kind: 'FORBIDDEN', text: 'only the task creator may cancel it' },
  task_accept_own: { kind: 'FORBIDDEN', text: 'you cannot accept your own task' },
  task_already_accepted: { kind: 'CONFLICT', text: 'you already accepted this task' },
  task_no_free_slots: { kind: 'CONFLICT', text: 'no free slots left on this task' },
  task_submit_not_worker: { kind: 'FORBIDDEN', text: 'only the worker who accepted may submit' },
  task_expires_at_past: { kind: 'VALIDATION', text: 'expires_at: must be in the future' },
  task_expires_at_too_soon: {
    kind: 'VALIDATION',
    text: (earliest: string) => `expires_at: must be at least ${earliest} from now`,
  },
  task_expires_at_too_late: {
    kind: 'VALIDATION',
    text: (latest: string) => `expires_at: must be at most ${latest} from now`,
  },

  // ── ratings and direct messages (issue 17) ──
  rating_exists: { kind: 'CONFLICT', text: 'already rated: a rating can be given once' },
  rating_before_end: { kind: 'CONFLICT', text: 'a rental can be rated once it has ended' },
  rating_not_renter: { kind: 'FORBIDDEN', text: 'only the renter can rate a rental' },
  rating_not_task_creator: { kind: 'FORBIDDEN', text: 'only the task creator may rate a submission' },
  rating_submission_not_approved: { kind: 'CONFLICT', text: 'only an approved submission can be rated' },
  dm_not_allowed: {
    kind: 'FORBIDDEN',
    text: 'direct messages are only allowed between accounts that share a rental or a task',
  },
  dm_rental_not_shared: { kind: 'FORBIDDEN', text: 'rental_id must be a rental you both take part in' },
  dm_to_self: { kind: 'VALIDATION', text: 'to: you cannot send a direct message to yourself' },
  dm_blocked: { kind: 'FORBIDDEN', text: 'the recipient has blocked direct messages from you' },
  dm_block_self: { kind: 'VALIDATION', text: 'account_id: you cannot block yourself' },

  // ── service orders (issue 23.1) ──
  service_not_a_bot: { kind: 'FORBIDDEN', text: 'only bot accounts can list services' },
  service_order_own: { kind: 'FORBIDDEN', text: 'you cannot order your own service' },
  service_order_not_seller: { kind: 'FORBIDDEN', text: 'only the seller of the service may do this' },
  service_order_not_buyer: { kind: 'FORBIDDEN', text: 'only the buyer of the order may do this' },
  service_order_files_closed: {
    kind: 'CONFLICT',
    text: 'files can be uploaded while the order is accepted (before delivery or after a revision request)',
  },
  service_order_file_unknown: {
    kind: 'VALIDATION',
    text: 'file_ids: every id must be a file uploaded to this order',
  },
  service_order_too_many_files: {
    kind: 'CONFLICT',
    text: (max: string) => `an order may have at most ${max} files`,
  },
  service_order_not_overdue: {
    kind: 'CONFLICT',
    text: 'the order can be cancelled once its delivery is overdue (deliver_by has passed)',
  },
  rating_service_order_not_completed: {
    kind: 'CONFLICT',
    text: 'a service order can be rated once it is completed',
  },
  service_order_revisions_used: {
    kind: 'CONFLICT',
    text: 'no revisions left on this order: approve it or let the review window run out',
  },

  // ── operator console ──
  console_session_expired: {
    kind: 'UNAUTHORIZED',
    text: 'console session expired or logged out: log in again',
  },
  console_credentials_missing: {
    kind: 'UNAUTHORIZED',
    text: 'missing credentials: send X-API-Key or Authorization: Bearer, or log in at /admin',
  },
  origin_refused: { kind: 'FORBIDDEN', text: 'request did not come from the console’s origin' },
  csrf_token_missing: { kind: 'FORBIDDEN', text: 'missing X-CSRF-Token header' },
  csrf_token_invalid: { kind: 'FORBIDDEN', text: 'X-CSRF-Token does not match the session' },

  // ── four eyes on money (domain/money-permissions.ts, workflows/withdrawal/state.ts) ──
  money_needs_console_or_admin_key: {
    kind: 'FORBIDDEN',
    text: 'deciding money needs the operator console session or the admin key, not a sign-in token or API key',
  },
  own_account_money: {
    kind: 'FORBIDDEN',
    text: 'an operator may not decide on or adjust the money of an account they own (theirs or their bot’s)',
  },
  second_approver_required: {
    kind: 'FORBIDDEN',
    text: 'this withdrawal needs the approval of a second, different operator',
  },

  // ── MCP transport ──
  mcp_too_many_sessions: {
    kind: 'UNAVAILABLE',
    text: 'too many open MCP SSE sessions, retry later or use POST /api/v1/mcp',
  },
  mcp_unknown_session: {
    kind: 'NOT_FOUND',
    text: 'unknown or closed MCP session: open GET /api/v1/mcp/sse again',
  },
  not_json_rpc: { kind: 'VALIDATION', text: 'not a JSON-RPC 2.0 message' },
  mcp_session_not_found: {
    kind: 'NOT_FOUND',
    text: 'unknown or expired MCP session (Mcp-Session-Id) or stream: send initialize again',
  },
  // DNS-rebinding guard (domain/mcp-origin.ts): refused before any session or tool work.
  mcp_host_not_allowed: {
    kind: 'FORBIDDEN',
    text: 'MCP request refused: its Host is not a public host of this server (PUBLIC_BASE_URL, MCP_ALLOWED_HOSTS)',
  },
  mcp_origin_not_allowed: {
    kind: 'FORBIDDEN',
    text: 'MCP request refused: its Origin is not allowed (MCP_ALLOWED_ORIGINS)',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorTextCode = keyof typeof ERRORS;

/** The arguments a code's text needs: none for a fixed text. */
export type ErrorTextArgs<C extends ErrorTextCode> = (typeof ERRORS)[C]['text'] extends (
  ...args: infer A
) => string
  ? A
  : [];

/** The codes whose text is fixed: what a permission function may answer. */
export type FixedTextCode = {
  [C in ErrorTextCode]: (typeof ERRORS)[C]['text'] extends string ? C : never;
}[ErrorTextCode];

export const ERROR_TEXT_CODES = Object.keys(ERRORS) as ErrorTextCode[];

export const isErrorTextCode = (code: unknown): code is ErrorTextCode =>
  typeof code === 'string' && Object.hasOwn(ERRORS, code);

/** The words of `code`, filled with what its throw site knows. */
export function errorText<C extends ErrorTextCode>(code: C, ...args: ErrorTextArgs<C>): string {
  const text: ErrorEntry['text'] = ERRORS[code].text;
  return typeof text === 'string' ? text : (text as (...a: unknown[]) => string)(...args);
}

export function errorKind(code: ErrorTextCode): ErrorKind | undefined {
  const entry: ErrorEntry = ERRORS[code];
  return entry.kind;
}

/** The generic code of a kind (`NOT_FOUND` → `not_found`), for errors raised without one. */
export const defaultCodeOf = (kind: ErrorKind): ErrorTextCode => {
  const code = kind.toLowerCase();
  return isErrorTextCode(code) ? code : 'internal_error';
};

/** The code whose fixed text this is, for failures recorded before they carried a code. */
export function codeOfText(text: string, kind: ErrorKind): ErrorTextCode | undefined {
  for (const code of ERROR_TEXT_CODES) {
    const entry: ErrorEntry = ERRORS[code];
    if (entry.text === text && entry.kind === kind) return code;
  }
  return undefined;
}
