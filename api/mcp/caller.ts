/**
 * Carries the caller (credential + client IP) from the HTTP request to the tool handler. The SDK
 * hands `authInfo` of the request that delivered a message to that message's handler, on both
 * transports, so per-message credentials work even on a long-lived SSE session.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Request } from 'express';
import { credentialOf } from '../auth';
import { clientIp } from '../rate-limit';
import type { Caller } from './tool';

export function callerOf(req: Request, fallbackCredential?: string): Caller {
  return {
    credential: credentialOf(req) || fallbackCredential,
    clientIp: clientIp(req),
  };
}

export function toAuthInfo(caller: Caller): AuthInfo {
  // `token` is required by the SDK type; an empty one means "no credentials were sent".
  return {
    token: caller.credential ?? '',
    clientId: 'agentrent-mcp',
    scopes: [],
    extra: { clientIp: caller.clientIp },
  };
}

export function fromAuthInfo(info: AuthInfo | undefined): Caller {
  const clientIp = info?.extra?.clientIp;
  return {
    credential: info?.token || undefined,
    clientIp: typeof clientIp === 'string' ? clientIp : 'unknown',
  };
}
