/** Schema pieces every area repeats: an `{id}` path parameter and page parameters (limit, cursor, offset). */
import { z } from 'zod';
import { uuidSchema } from '../validation';

/** `/…/{id}` path parameters. */
export const idParams = z.object({ id: uuidSchema });

/** `?limit=`: an integer from 1 to `max` (100), `fallback` (50) when absent. */
export const pageLimit = (fallback = 50, max = 100) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** `?cursor=`: the `next_cursor` of a previous page (a numeric position). */
export const pageCursor = z
  .string()
  .regex(/^\d{1,18}$/, 'must be a cursor returned by a previous page')
  .optional();

/** `?offset=`: a non-negative integer, 0 when absent; `max` bounds it where deep pages are costly. */
export const pageOffset = (max?: number) => {
  const offset = z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must not be negative');
  return (max === undefined ? offset : offset.max(max, `must be at most ${max}`)).default(0);
};
