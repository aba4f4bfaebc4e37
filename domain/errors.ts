import { ApplicationFailure } from '@temporalio/common';
import {
  defaultCodeOf,
  errorKind,
  errorText,
  type ErrorTextArgs,
  type ErrorTextCode,
  type FixedTextCode,
} from './error-texts';

/**
 * Business error kinds (internal; clients see the snake_case codes of domain/error-texts.ts). Activities and workflows throw them as the `type` of a non-retryable
 * ApplicationFailure; the API throws them as AppError. api/errors.ts maps each to one HTTP status.
 */
export enum ErrorCode {
  Validation = 'VALIDATION',
  Unauthorized = 'UNAUTHORIZED',
  InsufficientBalance = 'INSUFFICIENT_BALANCE',
  Forbidden = 'FORBIDDEN',
  RentalNotActive = 'RENTAL_NOT_ACTIVE',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  IdempotencyMismatch = 'IDEMPOTENCY_MISMATCH',
  IdempotencyInFlight = 'IDEMPOTENCY_IN_FLIGHT',
  RateLimited = 'RATE_LIMITED',
  SpendCapExceeded = 'SPEND_CAP_EXCEEDED',
  RentalEnded = 'RENTAL_ENDED',
  AgentError = 'AGENT_ERROR',
  AgentUnavailable = 'AGENT_UNAVAILABLE',
  Timeout = 'TIMEOUT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  Unavailable = 'UNAVAILABLE',
  /** A value the database refuses (NUL in text, out of range, constraint): retrying cannot help. */
  InvalidData = 'INVALID_DATA',
}

export const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/** Codes that describe a passing condition: an activity failing with one of them may be retried. */
export const TRANSIENT_ERROR_CODES = new Set<string>([
  ErrorCode.Unavailable,
  ErrorCode.Timeout,
  ErrorCode.RateLimited,
  ErrorCode.IdempotencyInFlight,
]);

/** Failure types that retrying never fixes: every activity retry policy lists them as non-retryable. */
export const PERMANENT_ERROR_CODES: string[] = Object.values(ErrorCode).filter(
  (code) => !TRANSIENT_ERROR_CODES.has(code),
);

export class AppError extends Error {
  override name = 'AppError';
  /** The snake_case code clients see (domain/error-texts.ts); the kind's generic one unless given. */
  readonly wireCode: ErrorTextCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown; wireCode?: ErrorTextCode },
  ) {
    super(message, options);
    this.wireCode = options?.wireCode ?? defaultCodeOf(code);
  }
}

const kindOf = (code: ErrorTextCode) => (errorKind(code) ?? ErrorCode.Unavailable) as ErrorCode;

/** The error of a code in the table: its kind (→ HTTP status) and its text. */
export function appError<C extends ErrorTextCode>(code: C, ...args: ErrorTextArgs<C>): AppError {
  return new AppError(kindOf(code), errorText(code, ...args), {}, { wireCode: code });
}

/** The same, with response headers (a 429's Retry-After). */
export function appErrorWithHeaders<C extends ErrorTextCode>(
  code: C,
  headers: Record<string, string>,
  ...args: ErrorTextArgs<C>
): AppError {
  return new AppError(kindOf(code), errorText(code, ...args), headers, { wireCode: code });
}

/**
 * A code's error as a non-retryable ApplicationFailure, for workflows and activities: the type is
 * its kind (as before, so recorded histories and retry policies read the same), the code travels
 * in the details for api/errors.ts.
 */
export function businessFailure<C extends ErrorTextCode>(
  code: C,
  ...args: ErrorTextArgs<C>
): ApplicationFailure {
  return ApplicationFailure.create({
    message: errorText(code, ...args),
    type: kindOf(code),
    nonRetryable: true,
    details: [{ code }],
  });
}

/** Throws the refusal a permission function answered (domain/*-permissions.ts), if any. */
export function refuseIf(refusal: FixedTextCode | null): void {
  if (refusal) throw appError(refusal);
}

/** The same inside a workflow's validator or handler: the refusal as a business failure. */
export function failIf(refusal: FixedTextCode | null): void {
  if (refusal) throw businessFailure(refusal);
}

export const notFound = (what: string) => appError('not_found', what);
export const forbidden = (message = 'not allowed') => new AppError(ErrorCode.Forbidden, message);
export const conflict = (message: string) => new AppError(ErrorCode.Conflict, message);
export const badRequest = (message: string) => new AppError(ErrorCode.Validation, message);
