/** Referral program: your code, link and referred users; the public `/r/<code>` link. */
import type { Express, Request } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { notFound } from '../../domain/errors';
import { principalOf, requireAuth } from '../auth';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { referralsOutput } from '../schemas/accounts';
import * as accounts from '../use-cases/accounts';

registry.registerPath({
  method: 'get',
  path: '/api/v1/referrals',
  summary: 'Your referral code, link and referred users (public name, dates, commission only)',
  security: authenticated,
  responses: { 200: jsonResponse('referrals', referralsOutput), ...errorResponses(401) },
});

registry.registerPath({
  method: 'get',
  path: '/r/{code}',
  summary: 'Referral link: browsers are redirected to sign-up, API clients get the sign-up recipe',
  request: { params: z.object({ code: z.string() }) },
  responses: {
    200: jsonResponse(
      'sign-up recipe (API clients)',
      z.object({
        referral_code: z.string(),
        signup: z.object({ method: z.literal('POST'), path: z.string(), body: z.looseObject({}) }),
      }),
    ),
    302: { description: 'to sign-up' },
    ...errorResponses(404),
  },
});

const baseUrlOf = (deps: ApiDeps, req: Request) =>
  (deps.config.PUBLIC_BASE_URL ?? `${req.protocol}://${req.get('host')}`).replace(/\/$/, '');

export function mountReferralsRoutes(app: Express, deps: ApiDeps): void {
  app.get('/api/v1/referrals', requireAuth(deps), async (req, res) => {
    res.json(await accounts.referrals(deps, principalOf(res), baseUrlOf(deps, req)));
  });

  // Browsers are sent on to sign-up with the code; API clients get the sign-up recipe as JSON.
  app.get('/r/:code', async (req, res) => {
    const code = String(req.params.code);
    if (!/^[a-z0-9]{1,64}$/i.test(code) || !(await accounts.referralCodeExists(deps, code)))
      throw notFound('referral code');
    const signup = `${baseUrlOf(deps, req)}/signup?ref=${encodeURIComponent(code.toLowerCase())}`;
    if (req.accepts(['json', 'html']) === 'html') return res.redirect(302, signup);
    res.json({
      referral_code: code.toLowerCase(),
      signup: { method: 'POST', path: '/api/v1/auth/signup', body: { referral_code: code.toLowerCase() } },
    });
  });
}
