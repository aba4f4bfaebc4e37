/**
 * Who may call the admin endpoints: the admin key header (as every admin route) or the operator
 * console's session cookie. A cookie-authenticated state change also needs the session's CSRF
 * token in X-CSRF-Token and the console's own Origin (domain/console.ts decides).
 */
import { errorText } from '../domain/error-texts';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as store from '../db/operators';
import {
  CONSOLE_COOKIE,
  CSRF_HEADER,
  cookieValue,
  csrfRefusal,
  originOf,
  type Refusal,
  sessionRefusal,
} from '../domain/console';
import type { Config } from '../domain/config';
import type { Db } from '../db/pool';
import { credentialOf, requireAdmin, requireAuth } from './auth';

export interface ConsoleSessionLocals {
  tokenHash: string;
  actor: string;
  csrfToken: string;
  expiresAt: Date;
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** Set when the request was authorised by a console session cookie. */
    consoleSession?: ConsoleSessionLocals;
  }
}

type Deps = { config: Config; db: Db };

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const newSecret = () => randomBytes(32).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Origins the console is served from: this request's own, and PUBLIC_BASE_URL's. */
export function consoleOrigins(config: Config, req: Request): string[] {
  const own = `${req.protocol}://${req.get('host') ?? ''}`;
  const pub = originOf(config.PUBLIC_BASE_URL);
  return pub ? [own, pub] : [own];
}

/** The session cookie goes Secure whenever the console is reached over https. */
export const secureCookie = (config: Config, req: Request) =>
  req.secure || (config.PUBLIC_BASE_URL?.startsWith('https:') ?? false);

export function refuse(res: Response, r: Refusal): void {
  res.status(r.status).json({ error: r.error, code: r.code });
}

export const adminKeyHash = (config: Config) =>
  config.ADMIN_API_KEY ? sha256(config.ADMIN_API_KEY) : undefined;

async function sessionAccess(deps: Deps, req: Request, res: Response, token: string): Promise<boolean> {
  const tokenHash = sha256(token);
  const session = await store.findSession(deps.db, tokenHash);
  const refusal =
    sessionRefusal(session, new Date(), adminKeyHash(deps.config)) ??
    csrfRefusal({
      method: req.method,
      origin: req.get('origin'),
      referer: req.get('referer'),
      allowedOrigins: consoleOrigins(deps.config, req),
      csrfHeader: req.get(CSRF_HEADER),
      sessionCsrf: session!.csrfToken,
      same: sameSecret,
    });
  if (refusal) {
    refuse(res, refusal);
    return false;
  }
  const s = session!;
  res.locals.principal = { accountId: s.accountId, role: 'admin', isBot: false, via: s.via };
  res.locals.consoleSession = { tokenHash, actor: s.actor, csrfToken: s.csrfToken, expiresAt: s.expiresAt };
  return true;
}

/**
 * Admin access by key header (requireAuth + requireAdmin, unchanged) or by console session.
 * A request carrying a key is judged by the key alone, never by a cookie it also carries.
 */
export function adminAccess(deps: Deps): RequestHandler {
  const byKey = requireAuth(deps);
  return (req: Request, res: Response, next: NextFunction) => {
    if (credentialOf(req)) {
      byKey(req, res, (err?: unknown) => (err ? next(err) : requireAdmin(req, res, next)));
      return;
    }
    const token = cookieValue(req.headers.cookie, CONSOLE_COOKIE);
    if (!token) {
      refuse(res, {
        status: 401,
        code: 'console_credentials_missing',
        error: errorText('console_credentials_missing'),
      });
      return;
    }
    sessionAccess(deps, req, res, token).then((ok) => (ok ? next() : undefined), next);
  };
}
