/**
 * Which activity failures are permanent. An error thrown inside an activity is retried by
 * Temporal unless it is a non-retryable ApplicationFailure; our retry policies have no maximum,
 * so a value Postgres will never accept (a NUL in a message, a string that is not a uuid) used to
 * be retried for ever while the workflow waited. Here every activity error is sorted once:
 *
 * - data errors (SQLSTATE 22 data exception, 23 integrity violation, 42 syntax / undefined object,
 *   2200x/22P0x encoding, 54 limits exceeded …) → non-retryable, type `INVALID_DATA`;
 * - business errors (AppError) → non-retryable, type = their ErrorCode (except the transient ones);
 * - everything else (connection loss, 40001 serialization, 40P01 deadlock, 57014 statement
 *   timeout, 53xxx resources, 08xxx connection, ECONNRESET, pool timeouts, bugs) stays retryable.
 *
 * An activity that expects a conflict (ON CONFLICT, a caught 23505) handles it itself; what
 * reaches this classifier was not expected, and retrying the same statement cannot change it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { pgErrorCode } from '../db/pool';
import { AppError, ErrorCode, TRANSIENT_ERROR_CODES } from '../domain/errors';

/**
 * Rethrows business errors as non-retryable failures whose type the API maps to a status (for a
 * store call whose AppError is the answer, e.g. an insufficient balance).
 */
export function asActivityFailure(err: unknown): never {
  if (err instanceof AppError) {
    // Headers (e.g. the spend cap's Retry-After) travel as details; the API puts them back.
    const details = Object.keys(err.headers).length ? [{ headers: err.headers }] : undefined;
    throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: true, details });
  }
  throw err;
}

/** SQLSTATE classes whose errors depend only on the statement and its values. */
const PERMANENT_SQLSTATE_CLASSES = new Set([
  '21', // cardinality violation: e.g. ON CONFLICT DO UPDATE touching one row twice
  '22', // data exception: invalid text / byte sequence (22021), untranslatable character (22P05) …
  '23', // integrity constraint violation: not null, foreign key, check, unique, exclusion
  '42', // syntax error or access rule violation: undefined column/table, datatype mismatch …
  '54', // program limit exceeded: value too large to index, too many columns …
  '2B', // dependent privilege descriptors still exist
  '44', // with check option violation
]);

/** A five-character SQLSTATE of a pg DatabaseError (it has a severity), never a Node errno like EPIPE. */
function sqlState(err: unknown): string | undefined {
  const code = pgErrorCode(err);
  const fromServer = typeof err === 'object' && err !== null && 'severity' in err;
  return fromServer && code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isPermanentSqlState(code: string): boolean {
  return PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
}

/**
 * The failure an activity should throw for `err`: a non-retryable ApplicationFailure when retrying
 * cannot help, otherwise `err` itself (Temporal retries it per the workflow's policy).
 */
export function classifyActivityError(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof AppError) {
    if (TRANSIENT_ERROR_CODES.has(err.code)) return err;
    return ApplicationFailure.create({
      message: err.message,
      type: err.code,
      nonRetryable: true,
      details: Object.keys(err.headers).length ? [{ headers: err.headers }] : undefined,
      cause: err,
    });
  }
  const code = sqlState(err);
  if (code && isPermanentSqlState(code)) {
    const pg = err as { message?: string; column?: string; constraint?: string };
    return ApplicationFailure.create({
      message: `a value could not be stored (SQLSTATE ${code})`,
      type: ErrorCode.InvalidData,
      nonRetryable: true,
      // For operators (workflow history, logs): what Postgres said, without the statement.
      details: [
        {
          sqlstate: code,
          detail: pg.message ?? null,
          column: pg.column ?? null,
          constraint: pg.constraint ?? null,
        },
      ],
    });
  }
  return err;
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * Wraps every activity of a factory's result so whatever it throws goes through
 * classifyActivityError. Applied once in activities/index.ts; names and types stay the same.
 */
export function withFailureClassification<T extends Record<string, ActivityFunction>>(activities: T): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn.apply(activities, args);
      } catch (err) {
        throw classifyActivityError(err);
      }
    };
  }
  return wrapped as T;
}
