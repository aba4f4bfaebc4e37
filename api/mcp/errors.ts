/**
 * A thrown error as a tool error result: the same message (and status) the REST API would send
 * for it, via the one error mapping in api/errors.ts. Unknown errors are logged, never shown.
 */
import { TemporalFailure } from '@temporalio/common';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../domain/logger';
import { STATUS_BY_CODE, toAppError } from '../errors';

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
  const appError = toAppError(err);
  if (appError) {
    return toolError(appError.message, {
      status: STATUS_BY_CODE[appError.code] ?? 400,
      code: appError.code,
      retryAfter: appError.headers['Retry-After'],
    });
  }
  if (err instanceof TemporalFailure || (err as Error)?.name === 'ServiceError') {
    logger.error({ err, tool }, 'temporal call failed in MCP tool');
    return toolError('workflow service unavailable, try again', { status: 503, code: 'UNAVAILABLE' });
  }
  logger.error({ err, tool }, 'unhandled error in MCP tool');
  return toolError('internal error', { status: 500, code: 'INTERNAL' });
}
