/**
 * A thrown error as a tool error result: the same message (and status) the REST API would send
 * for it, via the one error mapping in api/errors.ts. Unknown errors are logged, never shown.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { errorText } from '../../domain/error-texts';
import { httpErrorOf } from '../errors';

export function toolError(
  message: string,
  detail: { status: number; code: string; retryAfter?: string },
): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    // The HTTP status and Retry-After a REST client would have seen, for bots that branch on them.
    structuredContent: {
      error: message,
      status: detail.status,
      code: detail.code,
      ...(detail.retryAfter ? { retry_after_seconds: Number(detail.retryAfter) } : {}),
    },
  };
}

export function toolErrorOf(err: unknown, logger: Logger, tool: string): CallToolResult {
  const httpError = httpErrorOf(err);
  if (httpError) {
    if (httpError.status >= 500) logger.error({ err, tool }, 'MCP tool failed');
    return toolError(httpError.message, {
      status: httpError.status,
      code: httpError.code,
      retryAfter: httpError.headers['Retry-After'],
    });
  }
  logger.error({ err, tool }, 'unhandled error in MCP tool');
  return toolError(errorText('internal_error'), { status: 500, code: 'internal_error' });
}
