/**
 * One pagination for every list: `limit` and an opaque `cursor` in, `next_cursor` and `has_more`
 * out. Pages are keyset pages on a stable order; the cursor is the base64url of the last row's
 * key, tagged with its list so that a cursor of one list (or one sort) is refused by another.
 * Pure: no I/O, so the rules are unit-testable and shared by REST and MCP.
 */
import { appError } from './errors';

export const PAGE_LIMIT = { default: 50, max: 100 } as const;

/** The ordered values that identify a row's place in its list (e.g. `[created_at, id]`). */
export type CursorKey = readonly (string | number)[];
/** What each position of a list's key must be: a decoded cursor of any other shape is refused. */
export type CursorShape = readonly ('string' | 'number')[];

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  has_more: boolean;
}

export function encodeCursor(list: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

export const invalidCursor = () => appError('invalid_cursor');

const BASE64URL = /^[A-Za-z0-9_-]{1,1024}$/;

/**
 * The key in `cursor`, or an `invalid_cursor` error (400) for anything that is not a cursor this
 * list handed out: not base64url, not JSON, another list's tag, or a key of the wrong shape.
 */
export function decodeCursor(list: string, shape: CursorShape, cursor: string): CursorKey {
  if (!BASE64URL.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== list)
    throw invalidCursor();
  const key = parsed.slice(1) as unknown[];
  const fits = key.every((v, i) =>
    shape[i] === 'number'
      ? typeof v === 'number' && Number.isSafeInteger(v)
      : typeof v === 'string' && v.length <= 200,
  );
  if (!fits) throw invalidCursor();
  return key as CursorKey;
}

/** The decoded key of an optional cursor: null (the first page) when there is none. */
export function afterKey(list: string, shape: CursorShape, cursor: string | undefined): CursorKey | null {
  return cursor === undefined ? null : decodeCursor(list, shape, cursor);
}

/**
 * A page from the rows of a query that asked for `limit + 1` rows: the extra row only says that
 * there is more, and the cursor is the key of the last row handed out.
 */
export function toPage<T>(
  rows: readonly T[],
  limit: number,
  list: string,
  keyOf: (row: T) => CursorKey,
): Page<T> {
  const items = rows.slice(0, limit);
  const has_more = rows.length > limit && items.length > 0;
  return {
    items,
    has_more,
    next_cursor: has_more ? encodeCursor(list, keyOf(items[items.length - 1])) : null,
  };
}
