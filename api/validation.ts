/** zod at the API edge: a failed parse is a 400 that names the offending field. */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, appError, ErrorCode } from '../domain/errors';
import { MAX_MICRO, toMicro } from '../domain/money';
import {
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  MULTILINE_TEXT_PATTERN,
  SINGLE_LINE_TEXT_PATTERN,
  storageProblem,
  textProblem,
  type TextRuleOptions,
} from '../domain/text';
import './openapi'; // extends zod with `.openapi()` before the helpers below use it

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  assertStorableStrings(input, where);
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

/**
 * The text rule (domain/text.ts) on a string schema: NUL, lone surrogates and control characters
 * are a 400 naming the field; documented in OpenAPI as a `pattern`. Every text field of every
 * REST body, query and MCP tool input goes through this, with a `.max()` of its own.
 */
export function textRule<S extends z.ZodType<string, string>>(schema: S, opts: TextRuleOptions = {}): S {
  return schema
    .superRefine((s, ctx) => {
      const problem = textProblem(s, opts);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ pattern: opts.multiline ? MULTILINE_TEXT_PATTERN : SINGLE_LINE_TEXT_PATTERN }) as S;
}

export { jsonDepthExceeds, MAX_JSON_DEPTH };

/**
 * Backstop behind the per-field rules: no string anywhere in the input (keys too, in fields a
 * schema passes through or drops) may hold NUL or a lone surrogate, and nothing nests deeper than
 * MAX_JSON_DEPTH. Iterative, so a hostile nesting cannot overflow the stack.
 */
export function assertStorableStrings(input: unknown, where = 'body'): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  // Field names come from the client: keep the message short whatever they sent.
  const name = (path: string) => (path || where).slice(0, 200);
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = storageProblem(value);
      if (problem) throw new AppError(ErrorCode.Validation, `${name(path)}: ${problem}`);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) throw appError('json_too_deep', name(path), MAX_JSON_DEPTH);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      const problem = storageProblem(key);
      if (problem) throw new AppError(ErrorCode.Validation, `${name(path)}: a field name ${problem}`);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}

/** Express middleware: a parsed JSON body nested deeper than MAX_JSON_DEPTH is a 400. */
export const refuseDeepJson: RequestHandler = (req, _res, next) => {
  if (jsonDepthExceeds(req.body)) next(appError('json_too_deep', 'body', MAX_JSON_DEPTH));
  else next();
};
