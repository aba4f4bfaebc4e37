// The operator console's session and CSRF decisions (domain/console.ts), without a server.
import {
  clearedSessionCookie,
  cookieValue,
  csrfRefusal,
  loginOriginRefusal,
  type SessionState,
  sessionCookie,
  sessionRefusal,
  temporalWorkflowUrl,
  workflowIdOfAlertSubject,
} from '../../domain/console';

const now = new Date('2026-12-01T12:00:00Z');
const later = new Date('2026-12-01T20:00:00Z');
const KEY_HASH = 'a'.repeat(64);

const adminKeySession = (over: Partial<SessionState> = {}): SessionState => ({
  via: 'admin_key',
  expiresAt: later,
  revokedAt: null,
  adminKeyHash: KEY_HASH,
  accountRole: 'admin',
  accountIsBot: false,
  keyRevoked: false,
  ...over,
});
const accountSession = (over: Partial<SessionState> = {}): SessionState =>
  adminKeySession({ via: 'jwt', adminKeyHash: null, ...over });

describe('console session', () => {
  it('accepts a live admin-key session while the admin key is unchanged', () => {
    expect(sessionRefusal(adminKeySession(), now, KEY_HASH)).toBeUndefined();
  });

  it('refuses an unknown session with 401', () => {
    expect(sessionRefusal(undefined, now, KEY_HASH)).toMatchObject({
      status: 401,
      code: 'console_session_expired',
    });
  });

  it('refuses a session past its expiry', () => {
    expect(sessionRefusal(adminKeySession({ expiresAt: now }), now, KEY_HASH)?.status).toBe(401);
  });

  it('refuses a logged-out (revoked) session', () => {
    expect(sessionRefusal(adminKeySession({ revokedAt: now }), now, KEY_HASH)?.status).toBe(401);
  });

  it('ends admin-key sessions when the admin key is rotated or removed', () => {
    expect(sessionRefusal(adminKeySession(), now, 'b'.repeat(64))?.status).toBe(401);
    expect(sessionRefusal(adminKeySession(), now, undefined)?.status).toBe(401);
  });

  it('ends an account session when the account is no longer an admin', () => {
    expect(sessionRefusal(accountSession(), now, KEY_HASH)).toBeUndefined();
    expect(sessionRefusal(accountSession({ accountRole: 'user' }), now, KEY_HASH)).toMatchObject({
      status: 403,
      code: 'admin_only',
    });
  });

  it('refuses a session of a bot account even with the admin role', () => {
    expect(sessionRefusal(accountSession({ accountIsBot: true }), now, KEY_HASH)?.status).toBe(403);
  });

  it('ends a session opened with an API key once that key is revoked', () => {
    expect(sessionRefusal(accountSession({ via: 'api_key', keyRevoked: true }), now, KEY_HASH)?.status).toBe(
      401,
    );
  });
});

describe('console CSRF', () => {
  const base = {
    method: 'POST',
    origin: 'http://127.0.0.1:3000',
    referer: undefined,
    allowedOrigins: ['http://127.0.0.1:3000'],
    csrfHeader: 'token-1',
    sessionCsrf: 'token-1',
    same: (a: string, b: string) => a === b,
  };

  it('lets a state change through with the session token from the console origin', () => {
    expect(csrfRefusal(base)).toBeUndefined();
  });

  it('never asks a read for a token', () => {
    expect(csrfRefusal({ ...base, method: 'GET', origin: undefined, csrfHeader: undefined })).toBeUndefined();
  });

  it('refuses a state change without the X-CSRF-Token header', () => {
    expect(csrfRefusal({ ...base, csrfHeader: undefined })).toMatchObject({
      status: 403,
      code: 'csrf_token_missing',
    });
  });

  it('refuses a state change whose token is not the session’s', () => {
    expect(csrfRefusal({ ...base, csrfHeader: 'token-2' })).toMatchObject({ code: 'csrf_token_invalid' });
  });

  it('refuses a state change from another origin even with the right token', () => {
    expect(csrfRefusal({ ...base, origin: 'https://evil.example' })).toMatchObject({
      code: 'origin_refused',
    });
  });

  it('refuses a cookie-authenticated state change that names no origin at all', () => {
    expect(csrfRefusal({ ...base, origin: undefined })).toMatchObject({ code: 'origin_refused' });
    expect(csrfRefusal({ ...base, origin: 'null' })).toMatchObject({ code: 'origin_refused' });
  });

  it('accepts the Referer’s origin when a browser withholds Origin', () => {
    expect(
      csrfRefusal({ ...base, origin: undefined, referer: 'http://127.0.0.1:3000/admin' }),
    ).toBeUndefined();
  });

  it('refuses a login posted from another origin, and lets a headerless client log in', () => {
    expect(loginOriginRefusal('https://evil.example', undefined, base.allowedOrigins)?.code).toBe(
      'origin_refused',
    );
    expect(loginOriginRefusal(undefined, undefined, base.allowedOrigins)).toBeUndefined();
    expect(loginOriginRefusal('http://127.0.0.1:3000', undefined, base.allowedOrigins)).toBeUndefined();
  });
});

describe('console cookie', () => {
  it('is HttpOnly and SameSite=Strict, and Secure only on https', () => {
    const plain = sessionCookie('abc', { secure: false, maxAgeSeconds: 60 });
    expect(plain).toBe('agentrent_console=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('abc', { secure: true, maxAgeSeconds: 60 })).toMatch(/; Secure$/);
  });

  it('is cleared on logout with an empty value and Max-Age=0', () => {
    expect(clearedSessionCookie(false)).toMatch(/^agentrent_console=; .*Max-Age=0/);
  });

  it('is read from a Cookie header among others', () => {
    expect(cookieValue('a=1; agentrent_console=tok; b=2', 'agentrent_console')).toBe('tok');
    expect(cookieValue('agentrent_console_x=1', 'agentrent_console')).toBeUndefined();
    expect(cookieValue(undefined, 'agentrent_console')).toBeUndefined();
  });
});

describe('Temporal UI links', () => {
  it('link a workflow by namespace and id', () => {
    expect(temporalWorkflowUrl('http://localhost:8233/', 'default', 'withdrawal-1')).toBe(
      'http://localhost:8233/namespaces/default/workflows/withdrawal-1',
    );
  });

  it('find the workflow an alert subject names, and none for a subject that names none', () => {
    expect(workflowIdOfAlertSubject('webhook-1b2c:deliverWebhook')).toBe('webhook-1b2c');
    expect(workflowIdOfAlertSubject('withdrawal:0b6f1f8e-8a4f-4e43-9d3c-6f0e2a1b3c4d')).toBe(
      'withdrawal-0b6f1f8e-8a4f-4e43-9d3c-6f0e2a1b3c4d',
    );
    expect(workflowIdOfAlertSubject('tron-hot-wallet')).toBeUndefined();
  });
});
