/**
 * RoboRent's sign-in example posts to Supabase's `POST /auth/v1/token?grant_type=password` with an
 * `apikey` header and `{email, password}`; here the same request signs in like
 * `POST /api/v1/auth/token` (same guessing limits). The `apikey` header is Supabase's project key and
 * is not needed here.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../domain/errors';
import type { ApiDeps } from '../deps';
import { errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import { clientIp, limitSignIn } from '../rate-limit';
import { tokenInput, tokenOutput } from '../schemas/accounts';
import * as accounts from '../use-cases/accounts';
import { parseOrThrow } from '../validation';

const grantQuery = z.object({ grant_type: z.string().optional() });

registry.registerPath({
  method: 'post',
  path: '/auth/v1/token',
  summary: 'Sign in, Supabase style (grant_type=password): the same as POST /api/v1/auth/token',
  request: { query: grantQuery, body: jsonBody(tokenInput) },
  responses: { 200: jsonResponse('a JWT to send as Bearer', tokenOutput), ...errorResponses(400, 401, 429) },
});

export function mountSupabaseAuthRoutes(app: Express, deps: ApiDeps): void {
  app.post('/auth/v1/token', async (req, res) => {
    const { grant_type } = parseOrThrow(grantQuery, req.query, 'query');
    if (grant_type !== 'password')
      throw new AppError(ErrorCode.Validation, 'grant_type: only password is supported');
    const input = parseOrThrow(tokenInput, req.body);
    res.json(await limitSignIn(deps, clientIp(req), input.email, () => accounts.token(deps, input)));
  });
}
