/** Schema pieces every area repeats: an `{id}` path parameter and page parameters (limit, cursor, offset). */
import { z } from 'zod';
import { PAGE_LIMIT } from '../../domain/pagination';
import { uuidSchema } from '../validation';

/** `/…/{id}` path parameters. */
export const idParams = z.object({ id: uuidSchema });

/** A page size: an integer from 1 to `max`. */
export const limitNumber = (max: number = PAGE_LIMIT.max) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

/** `?limit=`: an integer from 1 to `max` (100), `fallback` (50) when absent. */
export const pageLimit = (fallback: number = PAGE_LIMIT.default, max: number = PAGE_LIMIT.max) =>
  limitNumber(max)
    .default(fallback)
    .openapi({ description: `page size, ${fallback} when absent, at most ${max}` });

/**
 * `?cursor=`: the `next_cursor` of a previous page, opaque. Decoded by the list itself
 * (domain/pagination.ts), so that anything else is a 400 with code `invalid_cursor`. The
 * `format` names it for the fuzzer, which mints forged cursors for it (test/harness/schemathesis_hooks.py).
 */
export const CURSOR_FORMAT = 'cursor';
export const pageCursor = z.string().optional().openapi({
  format: CURSOR_FORMAT,
  description: 'the `next_cursor` of the previous page; absent for the first page',
});

/** The query of every list: `limit` and `cursor`. */
export const pageQuery = (fallback: number = PAGE_LIMIT.default, max: number = PAGE_LIMIT.max) =>
  z.object({ limit: pageLimit(fallback, max), cursor: pageCursor });

/** The members every list response has beside its list. */
export const pageFields = {
  next_cursor: z
    .string()
    .nullable()
    .openapi({ description: 'pass as `cursor` for the next page; null on the last page' }),
  has_more: z.boolean().openapi({ description: 'whether a next page exists' }),
};

/** `?offset=`: a non-negative integer, 0 when absent; `max` bounds it where deep pages are costly. */
export const pageOffset = (max?: number) => {
  const offset = z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must not be negative');
  return (max === undefined ? offset : offset.max(max, `must be at most ${max}`)).default(0);
};
