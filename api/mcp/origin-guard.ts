/**
 * The DNS-rebinding guard in front of every MCP route (rules: domain/mcp-origin.ts): a request
 * whose Host is not a public host of this server, or whose Origin is present and not allowed, is
 * answered 403 before any MCP work (no session, no protocol server, no tool). The Streamable HTTP
 * endpoint answers in JSON-RPC, like its other transport errors (the `{error, code}` body in
 * `error.data`); the SSE transport's routes answer `{error, code}`, like their other errors.
 *
 * The SDK's own options do not fit: the transport's `allowedHosts` compares whole `host:port`
 * strings (and sees the request this module rebuilds, not the client's), its Express middleware
 * checks Host only, and neither carries our error codes.
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../domain/config';
import type { Logger } from 'pino';
import { mcpOriginPolicy, mcpOriginRefusal } from '../../domain/mcp-origin';
import { errorBody } from '../errors';

const FORBIDDEN = 403;

/** Mounted with `app.use(endpoint, …)`: `req.path` is `/` for the endpoint itself. */
export function mcpOriginGuard(config: Config, logger: Logger): RequestHandler {
  const policy = mcpOriginPolicy(config);
  if (policy.hosts.size === 0) {
    logger.warn('MCP refuses every request: no allowed host (set PUBLIC_BASE_URL or MCP_ALLOWED_HOSTS)');
  }
  return (req, res, next) => {
    const refusal = mcpOriginRefusal(policy, req.get('host'), req.get('origin'));
    if (!refusal) return next();
    const body = errorBody(refusal);
    if (req.path !== '/') {
      res.status(FORBIDDEN).json(body);
      return;
    }
    res.status(FORBIDDEN).json({
      jsonrpc: '2.0',
      id: null,
      // -32000: the JSON-RPC server-error code the SDK's transport uses for the same refusal.
      error: { code: -32000, message: body.error, data: { ...body, status: FORBIDDEN } },
    });
  };
}
