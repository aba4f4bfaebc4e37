/** Signed, stateless MCP session ids (api/mcp/session.ts). */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { negotiatedVersion, newSession, readSession, SESSION_TTL_MS } from '../../api/mcp/session';

const SECRET = 'a-secret-of-at-least-thirty-two-chars';

describe('MCP session ids', () => {
  it('reads back the protocol version of a session this server issued', () => {
    const session = newSession(SECRET, '2025-06-18');
    expect(readSession(SECRET, session.id)).toEqual({ id: session.id, protocolVersion: '2025-06-18' });
  });

  it('uses only visible ASCII, as the transport requires of Mcp-Session-Id', () => {
    expect(newSession(SECRET, LATEST_PROTOCOL_VERSION).id).toMatch(/^[\x21-\x7e]+$/);
  });

  it('refuses an id signed under another secret, altered, or garbled', () => {
    const { id } = newSession(SECRET, LATEST_PROTOCOL_VERSION);
    expect(readSession(`${SECRET}-other`, id)).toBeUndefined();
    expect(readSession(SECRET, id.replace(LATEST_PROTOCOL_VERSION, '2024-11-05'))).toBeUndefined();
    expect(readSession(SECRET, 'not-a-session')).toBeUndefined();
  });

  it('expires a session a day after its initialize', () => {
    const issued = Date.UTC(2026, 0, 1);
    const { id } = newSession(SECRET, LATEST_PROTOCOL_VERSION, issued);
    expect(readSession(SECRET, id, issued + SESSION_TTL_MS - 1)).toBeDefined();
    expect(readSession(SECRET, id, issued + SESSION_TTL_MS)).toBeUndefined();
  });

  it('negotiates as the SDK server does: the requested version if supported, else the latest', () => {
    expect(negotiatedVersion('2024-11-05')).toBe('2024-11-05');
    expect(negotiatedVersion('1999-01-01')).toBe(LATEST_PROTOCOL_VERSION);
    expect(negotiatedVersion(undefined)).toBe(LATEST_PROTOCOL_VERSION);
  });
});
