/**
 * MCP sessions of the Streamable HTTP endpoint without server-side state: the Mcp-Session-Id an
 * `initialize` answer carries is signed (HMAC under JWT_SECRET) and names the protocol version
 * negotiated, so any API process can check one and learn that version without a lookup. A session
 * authenticates nothing: every request still carries its own credentials. What it adds is
 * resumable SSE (api/mcp/event-store.ts), which needs a session to file events under.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

export interface McpSession {
  id: string;
  /** The protocol version the server answered `initialize` with. */
  protocolVersion: string;
}

/** A session lives this long after its `initialize`; past it the client initializes again (404). */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

const VERSION = 'v1';

const macOf = (secret: string, payload: string) =>
  createHmac('sha256', `mcp-session:${secret}`).update(payload).digest('base64url');

/** The version the SDK's server answers an initialize asking for `requested` with. */
export const negotiatedVersion = (requested: unknown): string =>
  typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;

export function newSession(secret: string, protocolVersion: string, now = Date.now()): McpSession {
  const payload = [VERSION, protocolVersion, now.toString(36), randomBytes(16).toString('base64url')].join(
    '.',
  );
  return { id: `${payload}.${macOf(secret, payload)}`, protocolVersion };
}

/** The session an Mcp-Session-Id names, or undefined when it is forged, garbled or expired. */
export function readSession(secret: string, id: string, now = Date.now()): McpSession | undefined {
  const parts = id.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
  const payload = parts.slice(0, 4).join('.');
  const expected = Buffer.from(macOf(secret, payload));
  const given = Buffer.from(parts[4]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const issuedAt = parseInt(parts[2], 36);
  if (!(now - issuedAt < SESSION_TTL_MS) || !SUPPORTED_PROTOCOL_VERSIONS.includes(parts[1])) return undefined;
  return { id, protocolVersion: parts[1] };
}

/** What a stream remembers of the credentials its request carried ('' = none). */
export const credentialHashOf = (credential: string | undefined): string =>
  credential ? createHash('sha256').update(credential).digest('hex') : '';
