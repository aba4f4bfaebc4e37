/**
 * SQL pieces for keyset pages ordered by a timestamp: the timestamp goes into the cursor as text
 * with all of Postgres' microseconds (a JS Date keeps only milliseconds, and a cursor that rounds
 * would skip or repeat rows created within the same millisecond).
 */
export const keyTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A decoded cursor key (domain/pagination.ts), or null for the first page. */
export type KeysetAfter = readonly (string | number)[] | null;

/** A decoded `[time, …]` key as query parameters: null (the first page) when there is none. */
export const keyParams = (after: KeysetAfter, size: number): unknown[] =>
  after ? [...after] : Array.from({ length: size }, () => null);
