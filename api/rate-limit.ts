/**
 * Request rate limits (SPEC "Conventions"), counted in Postgres (table rate_limits) so that every
 * API process shares them: `/v1/*` and the Rentr routes 60/min per IP, registration 5/hour per IP,
 * and a per-key limit (api_keys.rate_limit_per_minute; JWT sessions use the config default).
 * Guessing is limited too: failed sign-ins per account and per IP, failed rental-code lookups per
 * IP. Every per-IP limit counts an IPv6 client by its /64 (ipLimitKey). Every 429 carries
 * Retry-After.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../domain/config';
import type { Db } from '../db/pool';
import { AppError, appErrorWithHeaders, ErrorCode } from '../domain/errors';
import type { Principal } from './auth';

type LimitDeps = { config: Config; db: Db };

const TABLE = 'rate_limits';

interface Limiters {
  perIp: RateLimiterPostgres;
  registration: RateLimiterPostgres;
  loginPerAccount: RateLimiterPostgres;
  loginPerIp: RateLimiterPostgres;
  rentalCodePerIp: RateLimiterPostgres;
  perKey: Map<number, RateLimiterPostgres>;
}

// One set of limiters per pool: the counters live in Postgres, the objects are only clients.
const byPool = new WeakMap<Db, Limiters>();

function limiter(
  deps: LimitDeps,
  name: string,
  points: number,
  duration: number,
  clearExpired = false,
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: deps.db,
    storeType: 'pool',
    tableName: TABLE,
    tableCreated: true, // migration 2000 creates it
    clearExpiredByTimeout: clearExpired,
    keyPrefix: `${deps.config.RATE_LIMIT_KEY_PREFIX}:${name}`,
    points,
    duration,
  });
}

function limitersOf(deps: LimitDeps): Limiters {
  let l = byPool.get(deps.db);
  if (!l) {
    l = {
      // This one also sweeps expired counters every few minutes (timer is unref'd).
      perIp: limiter(deps, 'ip', deps.config.RATE_LIMIT_PER_IP_PER_MINUTE, 60, true),
      registration: limiter(deps, 'register', deps.config.RATE_LIMIT_REGISTRATIONS_PER_HOUR, 3600),
      loginPerAccount: limiter(
        deps,
        'login-account',
        deps.config.RATE_LIMIT_LOGIN_PER_ACCOUNT,
        deps.config.RATE_LIMIT_GUESS_WINDOW_SECONDS,
      ),
      loginPerIp: limiter(
        deps,
        'login-ip',
        deps.config.RATE_LIMIT_LOGIN_PER_IP,
        deps.config.RATE_LIMIT_GUESS_WINDOW_SECONDS,
      ),
      rentalCodePerIp: limiter(
        deps,
        'rental-code',
        deps.config.RATE_LIMIT_RENTAL_CODES_PER_IP,
        deps.config.RATE_LIMIT_GUESS_WINDOW_SECONDS,
      ),
      perKey: new Map(),
    };
    byPool.set(deps.db, l);
  }
  return l;
}

/** Consumes one point; throws a 429 AppError with Retry-After when the limit is spent. */
async function consume(rl: RateLimiterPostgres, key: string, what: string): Promise<void> {
  try {
    await rl.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw appErrorWithHeaders('rate_limited', { 'Retry-After': String(retryAfter) }, what);
    }
    throw err;
  }
}

/** The client IP as Express sees it (honours TRUST_PROXY): the subject of every per-IP limit. */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * What a per-IP limit counts: an IPv4 address as is, an IPv4-mapped IPv6 address as its IPv4, and
 * any other IPv6 address as its /64 — one subscriber usually holds a whole /64, so counting single
 * addresses would hand a guesser 2^64 fresh budgets.
 */
export function ipLimitKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const g = ipv6Groups(ip);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join('.');
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

function middleware(check: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    check(req, res).then(() => next(), next);
  };
}

/** `/v1/*` and the Rentr routes: RATE_LIMIT_PER_IP_PER_MINUTE requests per minute per client IP. */
export function perIpLimit(deps: LimitDeps): RequestHandler {
  const { perIp } = limitersOf(deps);
  const what = `${deps.config.RATE_LIMIT_PER_IP_PER_MINUTE} requests per minute per IP`;
  return middleware((req) => consume(perIp, ipLimitKey(clientIp(req)), what));
}

/** Counts one registration for an IP; for callers outside Express (e.g. the MCP register_agent tool). */
export function consumeRegistration(deps: LimitDeps, ip: string): Promise<void> {
  const what = `${deps.config.RATE_LIMIT_REGISTRATIONS_PER_HOUR} registrations per hour per IP`;
  return consume(limitersOf(deps).registration, ipLimitKey(ip), what);
}

/** A refusal the caller caused (wrong password, unknown code): the point spent on it is kept. */
const isRefusal = (err: unknown) =>
  err instanceof AppError && (err.code === ErrorCode.Unauthorized || err.code === ErrorCode.Validation);

/** Gives back a point taken up front; a failure to do so only makes the limit stricter. */
const refund = (rl: RateLimiterPostgres, key: string) =>
  rl.reward(key).then(
    () => undefined,
    () => undefined,
  );

/**
 * One sign-in attempt under the guessing limits: a point is taken from the IP's and the account's
 * budgets *before* the password is checked, so concurrent guesses cannot overrun them, and given
 * back when the attempt was not a failure. A success also clears the account's failures. The
 * account is counted by its email (hashed) whether or not it exists, so a 429 says nothing
 * about which emails have accounts.
 */
export async function limitSignIn<T>(
  deps: LimitDeps,
  ip: string,
  email: string,
  attempt: () => Promise<T>,
): Promise<T> {
  const l = limitersOf(deps);
  const ipKey = ipLimitKey(ip);
  const accountKey = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  const window = deps.config.RATE_LIMIT_GUESS_WINDOW_SECONDS;
  await consume(
    l.loginPerIp,
    ipKey,
    `${deps.config.RATE_LIMIT_LOGIN_PER_IP} failed sign-ins per ${window} s per IP`,
  );
  await consume(
    l.loginPerAccount,
    accountKey,
    `${deps.config.RATE_LIMIT_LOGIN_PER_ACCOUNT} failed sign-ins per ${window} s per account`,
  );
  let result: T;
  try {
    result = await attempt();
  } catch (err) {
    if (!isRefusal(err))
      await Promise.all([refund(l.loginPerIp, ipKey), refund(l.loginPerAccount, accountKey)]);
    throw err;
  }
  await Promise.all([
    refund(l.loginPerIp, ipKey),
    l.loginPerAccount.delete(accountKey).catch(() => undefined),
  ]);
  return result;
}

/**
 * One rental-code lookup under the per-IP guessing limit: a point is taken up front and given
 * back when the code named a rental, so only unknown, malformed or ambiguous codes cost anything.
 */
export async function limitRentalCodeLookup<T>(
  deps: LimitDeps,
  ip: string,
  lookup: () => Promise<T>,
): Promise<T> {
  const rl = limitersOf(deps).rentalCodePerIp;
  const key = ipLimitKey(ip);
  const what = `${deps.config.RATE_LIMIT_RENTAL_CODES_PER_IP} failed rental-code lookups per ${deps.config.RATE_LIMIT_GUESS_WINDOW_SECONDS} s per IP`;
  await consume(rl, key, what);
  try {
    const found = await lookup();
    await refund(rl, key);
    return found;
  } catch (err) {
    if (!isRefusal(err)) await refund(rl, key);
    throw err;
  }
}

/**
 * One request against the caller's per-key limit. The operator's ADMIN_API_KEY is not limited;
 * JWT sessions are limited per account.
 */
export async function consumePerKey(deps: LimitDeps, principal: Principal): Promise<void> {
  if (principal.via === 'admin_key') return;
  const points = principal.keyRateLimit ?? deps.config.RATE_LIMIT_PER_KEY_PER_MINUTE;
  const l = limitersOf(deps);
  let rl = l.perKey.get(points);
  if (!rl) {
    rl = limiter(deps, `key${points}`, points, 60);
    l.perKey.set(points, rl);
  }
  const subject = principal.keyId ? `key:${principal.keyId}` : `account:${principal.accountId}`;
  await consume(rl, subject, `${points} requests per minute for this key`);
}

// Direct messages (issue 24.2): their own limiters, created on first use per pool.
const dmByPool = new WeakMap<Db, { perSender: RateLimiterPostgres; perPair: RateLimiterPostgres }>();

/**
 * One direct message under its limits, shared by every API process (Postgres counters):
 * RATE_LIMIT_DM_PER_SENDER_PER_HOUR from one sender to anyone, and RATE_LIMIT_DM_PER_PAIR_PER_HOUR
 * from one sender to one recipient (a reply spends the replier's own budget, not the sender's).
 * Over either → 429 `rate_limited` with Retry-After. Called once the send is otherwise allowed,
 * so a refused message costs nothing.
 */
export async function consumeDirectMessage(
  deps: LimitDeps,
  senderId: string,
  recipientId: string,
): Promise<void> {
  let l = dmByPool.get(deps.db);
  if (!l) {
    l = {
      perSender: limiter(deps, 'dm-sender', deps.config.RATE_LIMIT_DM_PER_SENDER_PER_HOUR, 3600),
      perPair: limiter(deps, 'dm-pair', deps.config.RATE_LIMIT_DM_PER_PAIR_PER_HOUR, 3600),
    };
    dmByPool.set(deps.db, l);
  }
  await consume(
    l.perSender,
    senderId,
    `${deps.config.RATE_LIMIT_DM_PER_SENDER_PER_HOUR} direct messages per hour per sender`,
  );
  await consume(
    l.perPair,
    `${senderId}:${recipientId}`,
    `${deps.config.RATE_LIMIT_DM_PER_PAIR_PER_HOUR} direct messages per hour to one recipient`,
  );
}
