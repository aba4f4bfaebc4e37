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
/**
 * What each position of a list's key is, as the SQL that reads it casts it: a decoded cursor whose
 * key does not fit is refused here, so a forged cursor never reaches `::timestamptz`, `::uuid` or
 * `::int` (where it would be a 500).
 * - `time`: a UTC instant as the list writes it (db/keyset.ts keyTime, or Date#toISOString);
 * - `uuid`: a uuid; `text`: a string of at most 200 characters, no NUL;
 * - `int`: a 32-bit integer (an `int` column); `bigint`: a safe integer (a `bigint` column).
 */
export type CursorKind = 'time' | 'uuid' | 'text' | 'int' | 'bigint';
export type CursorShape = readonly CursorKind[];

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
  if (!key.every((v, i) => FITS[shape[i]](v))) throw invalidCursor();
  return key as CursorKey;
}

const INT32 = 2 ** 31;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Whether `v` is an instant Postgres reads without complaint: a real day of year 1 or later. */
function isInstant(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = INSTANT.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const days = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return day >= 1 && day <= days;
}

const FITS: Record<CursorKind, (v: unknown) => boolean> = {
  time: isInstant,
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  text: (v) => typeof v === 'string' && v.length <= 200 && !v.includes('\u0000'),
  int: (v) => typeof v === 'number' && Number.isInteger(v) && v >= -INT32 && v < INT32,
  bigint: (v) => typeof v === 'number' && Number.isSafeInteger(v),
};

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
