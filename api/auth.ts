/**
 * Who is calling: `X-API-Key: <key>` or `Authorization: Bearer <key-or-JWT>`. The key in
 * ADMIN_API_KEY is always the platform operator (an admin). Keys are looked up by hash only.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX, hashApiKey } from '../domain/api-keys';
import type { Config } from '../domain/config';
import type { Db } from '../db/pool';
import { appError } from '../domain/errors';
import { clientIp, consumePerKey, countFailedCredential, refuseSpentCredentialBudget } from './rate-limit';
import { accountRoleOf, touchApiKey } from '../db/api-keys';

/** The account every ADMIN_API_KEY request acts as (created by the foundation migration seed). */
export const OPERATOR_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

export interface Principal {
  accountId: string;
  role: 'user' | 'admin';
  isBot: boolean;
  via: 'api_key' | 'jwt' | 'admin_key';
  keyId?: string;
  /** Per-key request limit (requests per minute). */
  keyRateLimit?: number;
}

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
  }
}

export function credentialOf(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const auth = req.get('authorization');
  const match = auth?.match(/^Bearer\s+(.+)$/i);
  return match?.[1].trim();
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export interface JwtClaims {
  sub: string;
  role: 'user' | 'admin';
}

const JWT_ISSUER = 'agentrent';
const jwtKey = (config: Config) => new TextEncoder().encode(config.JWT_SECRET);

export async function issueJwt(
  config: Config,
  claims: JwtClaims,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = 3600;
  const token = await new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(JWT_ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${expiresIn}s`)
    .sign(jwtKey(config));
  return { token, expiresIn };
}

export async function resolvePrincipal(
  deps: { config: Config; db: Db },
  credential: string,
): Promise<Principal | undefined> {
  const { config, db } = deps;
  if (config.ADMIN_API_KEY && sameSecret(credential, config.ADMIN_API_KEY)) {
    return { accountId: OPERATOR_ACCOUNT_ID, role: 'admin', isBot: false, via: 'admin_key' };
  }
  if (credential.startsWith(API_KEY_PREFIX)) {
    const r = await touchApiKey(db, hashApiKey(credential));
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      accountId: row.account_id,
      role: row.role,
      isBot: row.is_bot,
      via: 'api_key',
      keyId: row.id,
      keyRateLimit: row.rate_limit_per_minute,
    };
  }
  try {
    const { payload: claims } = await jwtVerify(credential, jwtKey(config), {
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
    });
    if (!claims.sub) return undefined;
    const r = await accountRoleOf(db, claims.sub);
    if (!r.rows[0]) return undefined;
    return { accountId: claims.sub, role: r.rows[0].role, isBot: r.rows[0].is_bot, via: 'jwt' };
  } catch {
    return undefined;
  }
}

/**
 * A credential sent by `ip`, under that address's budget of failed credentials: an address past it
 * is refused (429 + Retry-After) before the credential is looked at, and a credential that names
 * nobody counts against it. Undefined when the credential names nobody.
 */
export async function resolveCountedPrincipal(
  deps: { config: Config; db: Db },
  credential: string,
  ip: string,
): Promise<Principal | undefined> {
  await refuseSpentCredentialBudget(deps, ip);
  const principal = await resolvePrincipal(deps, credential);
  if (!principal) await countFailedCredential(deps, ip);
  return principal;
}

/**
 * Resolves a credential (or its absence) into a principal and counts the call against the
 * caller's per-key limit, and a failed credential against the caller's address. The one
 * authentication rule for REST and MCP alike.
 */
export async function authenticate(
  deps: { config: Config; db: Db },
  credential: string | undefined,
  ip: string,
): Promise<Principal> {
  if (!credential) {
    throw appError('missing_credentials');
  }
  const principal = await resolveCountedPrincipal(deps, credential, ip);
  if (!principal) throw appError('invalid_credentials');
  await consumePerKey(deps, principal);
  return principal;
}

/** Requires valid credentials; sets `res.locals.principal`. */
export function requireAuth(deps: { config: Config; db: Db }): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    await authenticate(deps, credentialOf(req), clientIp(req)).then((principal) => {
      res.locals.principal = principal;
      next();
    }, next);
  };
}

/** Operator endpoints are for admin people and the ADMIN_API_KEY operator, never for bot keys. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  const principal = res.locals.principal;
  if (principal?.role !== 'admin' || principal.isBot) return next(appError('admin_only'));
  next();
};

/** The authenticated principal of a request that passed requireAuth. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal;
  if (!p) throw appError('missing_credentials');
  return p;
}
