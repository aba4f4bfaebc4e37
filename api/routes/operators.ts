/**
 * The operator console: the `/admin` page (static files of api/console/) and the JSON admin
 * endpoints behind it. Every endpoint takes the admin key header or the console session cookie
 * (+ X-CSRF-Token and the console's Origin on state changes, api/console-auth.ts).
 */
import { errorText } from '../../domain/error-texts';
import express, { type Express, type Request } from 'express';
import path from 'node:path';
import { z } from 'zod';
import {
  CONSOLE_COOKIE,
  clearedSessionCookie,
  cookieValue,
  loginOriginRefusal,
  sessionCookie,
} from '../../domain/console';
import { principalOf } from '../auth';
import { adminAccess, consoleOrigins, refuse, secureCookie } from '../console-auth';
import type { ApiDeps } from '../deps';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { clientIp, limitConsoleKeyLogin, limitSignIn } from '../rate-limit';
import {
  acknowledgeAlertInput,
  adminWithdrawalList,
  adminWithdrawalParams,
  adminWithdrawalView,
  alertList,
  alertParams,
  alertView,
  auditList,
  auditQuery,
  consoleLoginInput,
  consoleSessionView,
  liftLockoutInput,
  liftLockoutResult,
  disabledEndpointList,
  disabledEndpointsQuery,
  listAdminWithdrawalsQuery,
  listAlertsQuery,
  searchQuery,
  searchResult,
  walletView,
  watcherView,
} from '../schemas/operators';
import * as operators from '../use-cases/operators';
import { depositWatcher } from '../use-cases/deposits';
import { disabledEndpoints } from '../use-cases/webhooks';
import { getWithdrawalForOperator, hotWallet, listWithdrawalsForOperator } from '../use-cases/withdrawals';
import { parseOrThrow } from '../validation';

const ADMIN = '/api/v1/admin';
/** The page's files; copied next to the compiled routes in the image (Dockerfile). */
export const CONSOLE_DIR = path.join(__dirname, '..', 'console');

const csrfHeader = z.object({
  'x-csrf-token': z
    .string()
    .optional()
    .describe('the session’s csrf_token; required with the session cookie'),
});
const cookieNote = ' Admin key header, or the console session cookie (+ X-CSRF-Token on POST/DELETE).';

function get(p: string, summary: string, response: z.ZodType, query?: z.ZodObject, params?: z.ZodObject) {
  registry.registerPath({
    method: 'get',
    path: p,
    summary: `${summary} (admin)`,
    description: cookieNote,
    security: authenticated,
    request: { ...(query ? { query } : {}), ...(params ? { params } : {}) },
    responses: { 200: jsonResponse(summary, response), ...errorResponses(400, 401, 403, 404, 503) },
  });
}

registry.registerPath({
  method: 'post',
  path: `${ADMIN}/session`,
  summary: 'Console login: the admin key (or an admin’s API key), or an admin account’s email + password',
  description:
    'Sets the HttpOnly, SameSite=Strict session cookie and answers the CSRF token the console sends back.',
  request: { body: jsonBody(consoleLoginInput) },
  responses: { 200: jsonResponse('logged in', consoleSessionView), ...errorResponses(400, 401, 403, 429) },
});
registry.registerPath({
  method: 'get',
  path: `${ADMIN}/session`,
  summary: 'The console session of this cookie (its actor and CSRF token)',
  responses: { 200: jsonResponse('the session', consoleSessionView), ...errorResponses(401, 403) },
});
registry.registerPath({
  method: 'delete',
  path: `${ADMIN}/session`,
  summary: 'Console logout: ends the session and clears the cookie',
  request: { headers: csrfHeader },
  responses: {
    200: jsonResponse('logged out', z.object({ logged_out: z.literal(true) })),
    ...errorResponses(401, 403),
  },
});
get(
  `${ADMIN}/withdrawals`,
  'Withdrawals by status (default: in review, oldest first), with their audit',
  adminWithdrawalList,
  listAdminWithdrawalsQuery,
);
get(
  `${ADMIN}/withdrawals/{id}`,
  'One withdrawal with its audit',
  adminWithdrawalView,
  undefined,
  adminWithdrawalParams,
);
get(
  `${ADMIN}/alerts`,
  'Operator alerts, newest first (default: open and acknowledged)',
  alertList,
  listAlertsQuery,
);
registry.registerPath({
  method: 'post',
  path: `${ADMIN}/alerts/{id}/acknowledge`,
  summary: 'Acknowledge an open alert (admin; audited; the first acknowledgement stands)',
  description: cookieNote,
  security: authenticated,
  request: { params: alertParams, headers: csrfHeader, body: jsonBody(acknowledgeAlertInput) },
  responses: { 200: jsonResponse('the alert', alertView), ...errorResponses(400, 401, 403, 404) },
});
get(`${ADMIN}/wallet`, 'Hot-wallet TRX and USDT balances, read from the chain now', walletView);
get(`${ADMIN}/watcher`, 'The deposit watcher’s position and its lag behind the chain head', watcherView);
get(
  `${ADMIN}/webhooks/disabled`,
  'Disabled webhook endpoints, most recent first',
  disabledEndpointList,
  disabledEndpointsQuery,
);
get(
  `${ADMIN}/search`,
  'Find an account, rental, task, task acceptance, withdrawal or delivery by id (or accounts by name)',
  searchResult,
  searchQuery,
);
registry.registerPath({
  method: 'post',
  path: `${ADMIN}/lockouts/lift`,
  summary: 'Lift the sign-in lock-out of an email and/or an IP (admin; audited)',
  security: authenticated,
  request: { headers: csrfHeader, body: jsonBody(liftLockoutInput) },
  responses: { 200: jsonResponse('lifted', liftLockoutResult), ...errorResponses(400, 401, 403) },
});
get(`${ADMIN}/audit`, 'Operator decisions, newest first (who, when, why, outcome)', auditList, auditQuery);

export function mountOperatorRoutes(app: Express, deps: ApiDeps): void {
  const access = adminAccess(deps);
  const noStore = (_req: Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  app.use(`${ADMIN}`, noStore);

  // The page: its own strict CSP (no inline script), never framed, never cached.
  app.use(
    '/admin',
    (req, res, next) => {
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" +
          (req.secure ? '; upgrade-insecure-requests' : ''),
      );
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    express.static(CONSOLE_DIR, { index: false, redirect: false }),
  );
  app.get(['/admin', '/admin/'], (_req, res) => {
    res.sendFile(path.join(CONSOLE_DIR, 'index.html'));
  });

  app.post(`${ADMIN}/session`, async (req, res) => {
    const refusal = loginOriginRefusal(
      req.get('origin'),
      req.get('referer'),
      consoleOrigins(deps.config, req),
    );
    if (refusal) return refuse(res, refusal);
    const input = parseOrThrow(consoleLoginInput, req.body ?? {});
    const ip = clientIp(req);
    const login = await operators.consoleLogin(deps, input, {
      // A key has its own per-IP budget: failed password sign-ins never lock the key login out.
      key: (attempt) => limitConsoleKeyLogin(deps, ip, attempt),
      password: (email, attempt) => limitSignIn(deps, ip, email, attempt),
    });
    res.setHeader(
      'Set-Cookie',
      sessionCookie(login.token, {
        secure: secureCookie(deps.config, req),
        maxAgeSeconds: deps.config.CONSOLE_SESSION_TTL_MINUTES * 60,
      }),
    );
    res.json(
      operators.sessionView(deps, {
        actor: login.actor,
        csrfToken: login.csrf_token,
        expiresAt: new Date(login.expires_at),
      }),
    );
  });

  app.get(`${ADMIN}/session`, async (req, res, next) => {
    if (!cookieValue(req.headers.cookie, CONSOLE_COOKIE))
      return refuse(res, {
        status: 401,
        code: 'console_session_expired',
        error: errorText('console_session_expired'),
      });
    access(req, res, (err?: unknown) => {
      if (err) return next(err);
      res.json(operators.sessionView(deps, res.locals.consoleSession!));
    });
  });

  app.delete(`${ADMIN}/session`, access, async (_req, res) => {
    const session = res.locals.consoleSession;
    if (session) await operators.logout(deps, session.tokenHash);
    res.setHeader('Set-Cookie', clearedSessionCookie(secureCookie(deps.config, _req)));
    res.json({ logged_out: true });
  });

  app.get(`${ADMIN}/withdrawals`, access, async (req, res) => {
    res.json(
      await listWithdrawalsForOperator(deps, parseOrThrow(listAdminWithdrawalsQuery, req.query, 'query')),
    );
  });
  app.get(`${ADMIN}/withdrawals/:id`, access, async (req, res) => {
    const { id } = parseOrThrow(adminWithdrawalParams, req.params, 'id');
    res.json(await getWithdrawalForOperator(deps, id));
  });

  app.get(`${ADMIN}/alerts`, access, async (req, res) => {
    res.json(await operators.listAlerts(deps, parseOrThrow(listAlertsQuery, req.query, 'query')));
  });
  app.post(`${ADMIN}/alerts/:id/acknowledge`, access, async (req, res) => {
    const { id } = parseOrThrow(alertParams, req.params, 'id');
    const { note } = parseOrThrow(acknowledgeAlertInput, req.body ?? {});
    res.json(await operators.acknowledgeAlert(deps, actorOf(res), id, note || null));
  });

  app.get(`${ADMIN}/wallet`, access, async (_req, res) => {
    res.json(await hotWallet(deps));
  });
  app.get(`${ADMIN}/watcher`, access, async (_req, res) => {
    res.json(await depositWatcher(deps));
  });
  app.get(`${ADMIN}/webhooks/disabled`, access, async (req, res) => {
    res.json(await disabledEndpoints(deps, parseOrThrow(disabledEndpointsQuery, req.query, 'query')));
  });
  app.get(`${ADMIN}/search`, access, async (req, res) => {
    res.json(await operators.search(deps, parseOrThrow(searchQuery, req.query, 'query').q));
  });
  app.post(`${ADMIN}/lockouts/lift`, access, async (req, res) => {
    const input = parseOrThrow(liftLockoutInput, req.body ?? {});
    res.json(await operators.liftLockout(deps, actorOf(res), input, Date.now()));
  });
  app.get(`${ADMIN}/audit`, access, async (req, res) => {
    res.json(await operators.recentAudit(deps, parseOrThrow(auditQuery, req.query, 'query')));
  });
}

/** Who is deciding: the session's actor when it came through the console. */
export function actorOf(res: express.Response): operators.Actor {
  return { principal: principalOf(res), consoleActor: res.locals.consoleSession?.actor };
}
