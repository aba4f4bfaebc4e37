/**
 * Business error codes. Activities and workflows throw them as the `type` of a non-retryable
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
  /** A list's `cursor` that no previous page of that list handed out. */
  InvalidCursor = 'INVALID_CURSOR',
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
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (what: string) => new AppError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (message = 'not allowed') => new AppError(ErrorCode.Forbidden, message);
export const conflict = (message: string) => new AppError(ErrorCode.Conflict, message);
export const badRequest = (message: string) => new AppError(ErrorCode.Validation, message);
