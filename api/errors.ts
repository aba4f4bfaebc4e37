/**
 * The one place where errors become HTTP responses: `{"error": "<human readable>", "code":
 * "<snake_case>"}` (texts and codes from domain/error-texts.ts) with the status of its kind.
 * Never a stack trace; anything unknown is a logged 500.
 */
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  codeOfText,
  errorText,
  isErrorTextCode,
  type ErrorTextArgs,
  type ErrorTextCode,
} from '../domain/error-texts';
import { AppError, ERROR_CODES, ErrorCode } from '../domain/errors';
import { currentDeadline, DEADLINE_RETRY_AFTER, isDeadlineError, timeoutBody } from './deadline';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.Validation]: 400,
  [ErrorCode.InvalidData]: 400,
  [ErrorCode.RentalEnded]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.InsufficientBalance]: 402,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.RentalNotActive]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.IdempotencyInFlight]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.IdempotencyMismatch]: 422,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.SpendCapExceeded]: 429,
  [ErrorCode.AgentError]: 502,
  [ErrorCode.AgentUnavailable]: 503,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Timeout]: 504,
};

/** Finds a business ApplicationFailure anywhere in a Temporal error's cause chain. */
export function businessFailureOf(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof ApplicationFailure && current.type && ERROR_CODES.has(current.type))
      return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Normalises anything thrown into an AppError when it carries a business meaning. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const failure = businessFailureOf(err);
  if (failure) {
    const details = (failure.details?.[0] ?? {}) as { headers?: Record<string, string>; code?: unknown };
    const kind = failure.type as ErrorCode;
    // Failures raised without a code (or recorded before codes) are known by their fixed text.
    const wireCode = isErrorTextCode(details.code) ? details.code : codeOfText(failure.message, kind);
    return new AppError(kind, failure.message, details.headers ?? {}, { cause: err, wireCode });
  }
  return undefined;
}

export interface HttpError {
  status: number;
  /** The snake_case code of domain/error-texts.ts. */
  code: ErrorTextCode;
  message: string;
  headers: Record<string, string>;
  /** More fields of the JSON body (a 504's `outcome` and the ids it names). */
  fields?: Record<string, unknown>;
}

/** A request past its deadline: 504, naming what may still be created (api/deadline.ts). */
function timeoutError(): HttpError {
  const { error, code: _code, ...fields } = timeoutBody(currentDeadline());
  return {
    status: 504,
    code: 'timeout',
    message: String(error),
    headers: { 'Retry-After': DEADLINE_RETRY_AFTER },
    fields,
  };
}

/**
 * What the client sees for a thrown error: a business error's status and message, 503 for the
 * workflow service being unreachable, or undefined for anything unexpected (a logged 500).
 * Used by the Express error handler and by the MCP tools, so both say the same thing.
 */
export function httpErrorOf(err: unknown): HttpError | undefined {
  if (isDeadlineError(err)) return timeoutError();
  const appError = toAppError(err);
  if (appError) {
    const status = STATUS_BY_CODE[appError.code] ?? 400;
    return {
      status,
      code: appError.wireCode,
      message: appError.message,
      // Every 503 carries Retry-After (SPEC); 429s set their own.
      headers:
        status === 503 ? { 'Retry-After': DEADLINE_RETRY_AFTER, ...appError.headers } : appError.headers,
    };
  }
  if (err instanceof TemporalFailure || (err as Error)?.name === 'ServiceError') {
    return {
      status: 503,
      code: 'workflow_service_unavailable',
      message: errorText('workflow_service_unavailable'),
      headers: { 'Retry-After': DEADLINE_RETRY_AFTER },
    };
  }
  return undefined;
}

/** The JSON body of a code's error, for answers written without throwing. */
export function errorBody<C extends ErrorTextCode>(
  code: C,
  ...args: ErrorTextArgs<C>
): { error: string; code: C } {
  return { error: errorText(code, ...args), code };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('route_not_found', req.method, req.path));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

export function errorHandler(log: (err: unknown, msg: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    const parserType = (err as BodyParserError)?.type;
    if (parserType === 'entity.parse.failed') {
      res.status(400).json(errorBody('malformed_json'));
      return;
    }
    if (parserType === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large'));
      return;
    }
    if (parserType && (err as BodyParserError).status && (err as BodyParserError).status! < 500) {
      res.status((err as BodyParserError).status!).json(errorBody('unreadable_body'));
      return;
    }
    const httpError = httpErrorOf(err);
    if (httpError) {
      if (httpError.status >= 500) log(err, 'request failed');
      for (const [name, value] of Object.entries(httpError.headers)) res.setHeader(name, value);
      res
        .status(httpError.status)
        .json({ error: httpError.message, code: httpError.code, ...httpError.fields });
      return;
    }
    log(err, 'unhandled error');
    res.status(500).json(errorBody('internal_error'));
  };
}
