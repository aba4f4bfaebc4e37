/** Which deadline a request path gets, and what a 504 says (api/deadline.ts). */
import { budgetOf, timeoutBody } from '../../api/deadline';
import { loadConfig } from '../../worker/config';

/** Every configuration needs a JWT secret (domain/config.ts). */
const JWT = { JWT_SECRET: 'x'.repeat(32) };

describe('request deadlines', () => {
  const config = loadConfig({ ...JWT });

  it('gives ordinary requests 30 s, admin endpoints 45 s and MCP 15 s by default', () => {
    expect(budgetOf(config, '/api/rentals')).toBe(30_000);
    expect(budgetOf(config, '/v1/chat')).toBe(30_000);
    expect(budgetOf(config, '/api/v1/admin/adjustments')).toBe(45_000);
    expect(budgetOf(config, '/api/v1/admin/withdrawals/x/approve')).toBe(45_000);
    expect(budgetOf(config, '/api/v1/mcp')).toBe(15_000);
    expect(budgetOf(config, '/api/v1/mcp/messages')).toBe(15_000);
    expect(budgetOf(config, '/api/v1/mcpx')).toBe(30_000);
  });

  it('takes each deadline from its configuration variable', () => {
    const custom = loadConfig({
      ...JWT,
      REQUEST_DEADLINE_MS: '3000',
      ADMIN_REQUEST_DEADLINE_MS: '4000',
      MCP_REQUEST_DEADLINE_MS: '2000',
    });
    expect(budgetOf(custom, '/api/rentals')).toBe(3_000);
    expect(budgetOf(custom, '/api/v1/admin/adjustments')).toBe(4_000);
    expect(budgetOf(custom, '/api/v1/mcp')).toBe(2_000);
  });

  it('refuses a deadline beyond 55 s, where an abandoned Idempotency-Key could be taken over mid-request', () => {
    expect(() => loadConfig({ ...JWT, REQUEST_DEADLINE_MS: '60000' })).toThrow(/REQUEST_DEADLINE_MS/);
  });

  it('says a plain timeout with its code when nothing may still be created', () => {
    const signal = new AbortController().signal;
    expect(timeoutBody({ atMs: 0, budgetMs: 30_000, signal, pending: {} })).toEqual({
      error: 'request timed out after 30 s, retry later',
      code: 'timeout',
    });
  });

  it('names what may still be created and says the outcome is unknown', () => {
    const signal = new AbortController().signal;
    const body = timeoutBody({ atMs: 0, budgetMs: 30_000, signal, pending: { rental_id: 'r-1' } });
    expect(body).toMatchObject({ code: 'timeout', outcome: 'unknown', rental_id: 'r-1' });
    expect(body.error).toMatch(/outcome unknown.*rental_id/);
  });
});
