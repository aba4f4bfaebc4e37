/** zod at the API edge: a failed parse is a 400 that names the offending field. */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { AppError, ErrorCode } from '../domain/errors';
import { MAX_MICRO, toMicro } from '../domain/money';

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : where;
  throw new AppError(ErrorCode.Validation, `${field}: ${issue.message}`);
}

/**
 * A USDT amount as a JSON number (never a string), > 0 unless `allowNegative`, at most 6 decimals,
 * converted to integer micro-USDT.
 */
// `.openapi()` below (not `.meta()`): the constraints go to /openapi.json only, MCP tool schemas stay as they are.
extendZodWithOpenApi(z);

export function usdtAmount(opts: { allowNegative?: boolean; min?: number } = {}) {
  return z
    .number({ error: 'must be a number' })
    .refine((n) => Number.isFinite(n), 'must be a finite number')
    .refine((n) => toMicro(n) !== null, 'must have at most 6 decimals and be below 1,000,000,000')
    .refine(
      (n) => (opts.allowNegative ? n !== 0 : n > 0),
      opts.allowNegative ? 'must not be zero' : 'must be positive',
    )
    .refine((n) => opts.min === undefined || n >= opts.min, `must be at least ${opts.min}`)
    .transform((n) => toMicro(n) as number)
    .openapi(usdtAmountDoc(opts));
}

/** The rules above as OpenAPI states them (zod refinements are invisible to the document). */
function usdtAmountDoc(opts: { allowNegative?: boolean; min?: number }) {
  const limit = MAX_MICRO / 1_000_000;
  return {
    multipleOf: 0.000001,
    maximum: limit,
    ...(opts.allowNegative
      ? { minimum: -limit, not: { const: 0 } }
      : opts.min === undefined
        ? { exclusiveMinimum: 0 }
        : { minimum: opts.min }),
  };
}

export const uuidSchema = z.uuid({ error: 'must be a UUID' });
