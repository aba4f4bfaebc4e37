/**
 * Request rate limits (SPEC "Conventions"), counted in Postgres (table rate_limits) so that every
 * API process shares them: `/v1/*` and the Rentr routes 60/min per IP, registration 5/hour per IP,
 * and a per-key limit (api_keys.rate_limit_per_minute; JWT sessions use the config default).
 * Every 429 carries Retry-After.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../domain/config';
import type { Db } from '../domain/db';
import { AppError, ErrorCode } from '../domain/errors';
import type { Principal } from './auth';

type LimitDeps = { config: Config; db: Db };

const TABLE = 'rate_limits';

interface Limiters {
  perIp: RateLimiterPostgres;
  registration: RateLimiterPostgres;
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
      throw new AppError(ErrorCode.RateLimited, `rate limit exceeded: ${what}`, {
        'Retry-After': String(retryAfter),
      });
    }
    throw err;
  }
}

/** The client IP as Express sees it (honours TRUST_PROXY): the subject of every per-IP limit. */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

function middleware(check: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    check(req, res).then(() => next(), next);
  };
}

/** `/v1/*` and the Rentr routes: RATE_LIMIT_PER_IP_PER_MINUTE requests per minute per client IP. */
export function perIpLimit(deps: LimitDeps): RequestHandler {
  const { perIp } = limitersOf(deps);
  const what = `${deps.config.RATE_LIMIT_PER_IP_PER_MINUTE} requests per minute per IP`;
  return middleware((req) => consume(perIp, clientIp(req), what));
}

/** Counts one registration for an IP; for callers outside Express (e.g. the MCP register_agent tool). */
export function consumeRegistration(deps: LimitDeps, ip: string): Promise<void> {
  const what = `${deps.config.RATE_LIMIT_REGISTRATIONS_PER_HOUR} registrations per hour per IP`;
  return consume(limitersOf(deps).registration, ip, what);
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
