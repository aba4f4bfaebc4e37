/**
 * The bearer JWTs the API issues (POST /api/v1/auth/token, signup): HS256 with JWT_SECRET, issuer
 * agentrent, one hour. A token is accepted only with our secret, our issuer and before it expires.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../../db/pool';
import { issueJwt, resolvePrincipal } from '../../api/auth';
import { loadConfig } from '../../worker/config';

const config = loadConfig({ JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters-0000' });
const ACCOUNT = '11111111-1111-4111-8111-111111111111';

/** Answers accountRoleOf for ACCOUNT only (the one query a JWT principal needs). */
const db = {
  query: async (_sql: string, params: unknown[]) => ({
    rows: params[0] === ACCOUNT ? [{ role: 'user', is_bot: false }] : [],
  }),
} as unknown as Db;

/** A token signed by hand, to vary one thing at a time. */
function handSigned(payload: object, secret = config.JWT_SECRET): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

describe('bearer JWTs', () => {
  it('resolve to the account they were issued for, for one hour', async () => {
    const { token, expiresIn } = await issueJwt(config, { sub: ACCOUNT, role: 'user' });
    expect(expiresIn).toBe(3600);
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: ACCOUNT, role: 'user', iss: 'agentrent' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    await expect(resolvePrincipal({ config, db }, token)).resolves.toEqual({
      accountId: ACCOUNT,
      role: 'user',
      isBot: false,
      via: 'jwt',
    });
  });

  it('are refused when signed with another secret', async () => {
    const token = handSigned({ sub: ACCOUNT, iss: 'agentrent', exp: now() + 60 }, 'x'.repeat(40));
    await expect(resolvePrincipal({ config, db }, token)).resolves.toBeUndefined();
  });

  it('are refused from another issuer', async () => {
    const token = handSigned({ sub: ACCOUNT, iss: 'someone-else', exp: now() + 60 });
    await expect(resolvePrincipal({ config, db }, token)).resolves.toBeUndefined();
  });

  it('are refused once expired', async () => {
    const token = handSigned({ sub: ACCOUNT, iss: 'agentrent', exp: now() - 60 });
    await expect(resolvePrincipal({ config, db }, token)).resolves.toBeUndefined();
  });

  it('are accepted when hand-signed the same way (tokens issued before are still valid)', async () => {
    const token = handSigned({ sub: ACCOUNT, role: 'user', iss: 'agentrent', exp: now() + 60 });
    await expect(resolvePrincipal({ config, db }, token)).resolves.toMatchObject({ accountId: ACCOUNT });
  });

  it('are refused with alg none', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: ACCOUNT, iss: 'agentrent', exp: now() + 60 })}.`;
    await expect(resolvePrincipal({ config, db }, token)).resolves.toBeUndefined();
  });
});
