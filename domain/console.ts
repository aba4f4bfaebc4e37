/**
 * The operator console's decisions, pure so they are unit-tested without a server: whether a
 * session still stands, whether a state-changing request may pass (CSRF token + Origin), the
 * session cookie's attributes, and the Temporal UI link of a business object.
 */

import { errorText, type ErrorTextCode } from './error-texts';

export const CONSOLE_COOKIE = 'agentrent_console';
export const CSRF_HEADER = 'x-csrf-token';

export interface Refusal {
  status: 401 | 403;
  code: ErrorTextCode;
  error: string;
}

function refusal(status: 401 | 403, code: FixedConsoleCode): Refusal {
  return { status, code, error: errorText(code) };
}
type FixedConsoleCode =
  'console_session_expired' | 'admin_only' | 'origin_refused' | 'csrf_token_missing' | 'csrf_token_invalid';

/** The stored session joined with what can end it early (the account's role, the key's revocation). */
export interface SessionState {
  via: 'admin_key' | 'api_key' | 'jwt';
  expiresAt: Date;
  revokedAt: Date | null;
  /** sha256 of ADMIN_API_KEY when the session was opened with it. */
  adminKeyHash: string | null;
  accountRole: 'user' | 'admin' | null;
  accountIsBot: boolean | null;
  /** Set when the session was opened with an API key that has since been revoked. */
  keyRevoked: boolean;
}

const expired: Refusal = refusal(401, 'console_session_expired');

/**
 * Whether a session still authorises its holder. `currentAdminKeyHash` is sha256 of today's
 * ADMIN_API_KEY (undefined when none is configured): a rotated key ends the sessions it opened.
 */
export function sessionRefusal(
  s: SessionState | undefined,
  now: Date,
  currentAdminKeyHash: string | undefined,
): Refusal | undefined {
  if (!s || s.revokedAt || s.expiresAt.getTime() <= now.getTime()) return expired;
  if (s.via === 'admin_key') return s.adminKeyHash === currentAdminKeyHash ? undefined : expired;
  if (s.keyRevoked) return expired;
  if (s.accountRole !== 'admin' || s.accountIsBot !== false) return refusal(403, 'admin_only');
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scheme://host[:port] of an Origin or Referer header, or undefined when it has none. */
export function originOf(value: string | undefined): string | undefined {
  if (!value || value === 'null') return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

export interface CsrfCheck {
  method: string;
  /** The Origin header (browsers send it on every cross- and same-origin POST/DELETE). */
  origin: string | undefined;
  referer: string | undefined;
  /** Origins the console is served from: this request's own, and PUBLIC_BASE_URL's. */
  allowedOrigins: string[];
  csrfHeader: string | undefined;
  sessionCsrf: string;
  /** Constant-time equality of two strings. */
  same: (a: string, b: string) => boolean;
}

/**
 * A cookie-authenticated state change passes only with the session's CSRF token in X-CSRF-Token
 * AND from the console's own origin (Origin, or Referer when a browser withholds Origin). The
 * cookie is SameSite=Strict as well: three independent locks, each enough against a cross-site form.
 */
export function csrfRefusal(c: CsrfCheck): Refusal | undefined {
  if (SAFE_METHODS.has(c.method.toUpperCase())) return undefined;
  const from = originOf(c.origin) ?? originOf(c.referer);
  if (!from || !c.allowedOrigins.includes(from)) return refusal(403, 'origin_refused');
  if (!c.csrfHeader) return refusal(403, 'csrf_token_missing');
  if (!c.same(c.csrfHeader, c.sessionCsrf)) return refusal(403, 'csrf_token_invalid');
  return undefined;
}

/** Login is a state change too (login CSRF): only from the console's own origin. */
export function loginOriginRefusal(
  origin: string | undefined,
  referer: string | undefined,
  allowedOrigins: string[],
): Refusal | undefined {
  const from = originOf(origin) ?? originOf(referer);
  // A non-browser client (curl, tests) sends neither header; it cannot be a forged browser request.
  if (!origin && !referer) return undefined;
  if (!from || !allowedOrigins.includes(from)) return refusal(403, 'origin_refused');
  return undefined;
}

/** Set-Cookie value of a session: HttpOnly, SameSite=Strict, Secure on https, Path=/. */
export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${CONSOLE_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${opts.maxAgeSeconds}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

/** Set-Cookie value that deletes the session cookie (logout). */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeSeconds: 0 });
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Workflow ids are business keys (SPEC §7); the console names them from the ids it lists.
 * Kept here as strings so the console does not depend on any workflow's module.
 */
export const workflowIdOf = {
  withdrawal: (id: string) => `withdrawal-${id}`,
  rental: (id: string) => `rental-${id}`,
  task: (id: string) => `task-${id}`,
  taskReview: (acceptanceId: string) => `task-review-${acceptanceId}`,
  webhook: (deliveryId: string) => `webhook-${deliveryId}`,
  deposit: (txid: string, logIndex: number) => `deposit-${txid}-${logIndex}`,
};

/** The Temporal UI page of one workflow. */
export function temporalWorkflowUrl(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Temporal UI list of every workflow touching an account (search attribute AccountIds). */
export function temporalAccountUrl(base: string, namespace: string, accountId: string): string {
  const query = encodeURIComponent(`AccountIds="${accountId}"`);
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}

/**
 * The workflow an alert's subject names, when it names one: a failing workflow raises
 * `<workflowId>:<step>`, the reconciler a ledger subject `withdrawal:<id>` (owner `withdrawal-<id>`);
 * others (e.g. `tron-hot-wallet`) name no workflow.
 */
export function workflowIdOfAlertSubject(subject: string): string | undefined {
  const ledger = /^(withdrawal|rental|task):([0-9a-f-]{36})$/.exec(subject);
  if (ledger) return `${ledger[1]}-${ledger[2]}`;
  const id = subject.split(':')[0];
  return /^(withdrawal|rental|task-review|task|webhook|deposit)-[\w-]+$/.test(id) ||
    /^(deposit-watcher|held-balance-reconciler)/.test(id)
    ? id
    : undefined;
}
