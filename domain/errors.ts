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
}

export const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

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
