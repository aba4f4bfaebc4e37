/** The pure cursor and page rules every list shares (domain/pagination.ts). */
import { decodeCursor, encodeCursor, toPage } from '../../domain/pagination';

const invalid = { code: 'VALIDATION', wireCode: 'invalid_cursor' };

describe('cursors', () => {
  it('round-trip a key through an opaque base64url string', () => {
    const key = ['2026-01-01T00:00:00.000001Z', '0b1e0000-0000-4000-8000-000000000000'];
    const cursor = encodeCursor('rentals', key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('rentals', ['time', 'uuid'], cursor)).toEqual(key);
  });

  it('refuse the cursor of another list', () => {
    expect(() => decodeCursor('keys', ['text', 'text'], encodeCursor('rentals', ['a', 'b']))).toThrow(
      expect.objectContaining(invalid),
    );
  });

  it.each([
    ['not base64url', '+/='],
    ['empty', ''],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['too few members', encodeCursor('tx', [])],
    ['a string where a number belongs', encodeCursor('tx', ['1'])],
    ['an unsafe integer', Buffer.from('["tx",1e300]').toString('base64url')],
    ['a fraction', encodeCursor('tx', [1.5])],
  ])('refuse %s', (_what, cursor) => {
    expect(() => decodeCursor('tx', ['bigint'], cursor)).toThrow(expect.objectContaining(invalid));
  });

  // A forged key of the right JSON type must not reach the SQL cast (issue 24 item 5).
  it.each([
    ['a non-date time', 'time', 'not-a-date'],
    ['31 February', 'time', '2026-02-31T00:00:00Z'],
    ['29 February of a common year', 'time', '2025-02-29T00:00:00Z'],
    ['hour 24', 'time', '2026-01-01T24:00:00Z'],
    ['year 0', 'time', '0000-01-01T00:00:00Z'],
    ['a time with an offset', 'time', '2026-01-01T00:00:00+02:00'],
    ['seven fraction digits', 'time', '2026-01-01T00:00:00.0000001Z'],
    ['a non-uuid id', 'uuid', 'not-a-uuid'],
    ['a text with NUL', 'text', 'a\u0000b'],
    ['an int past 32 bits', 'int', 2 ** 31],
    ['a bigint past 53 bits', 'bigint', 2 ** 53],
  ] as const)('refuse %s', (_what, kind, value) => {
    expect(() => decodeCursor('x', [kind], encodeCursor('x', [value]))).toThrow(
      expect.objectContaining(invalid),
    );
  });

  it.each([
    ['a key-text time', 'time', '2026-01-01T00:00:00.123456Z'],
    ['a toISOString time', 'time', '2026-01-01T00:00:00.123Z'],
    ['29 February of a leap year', 'time', '2024-02-29T23:59:59Z'],
    ['an upper-case uuid', 'uuid', '0B1E0000-0000-4000-8000-00000000000A'],
    ['the smallest int', 'int', -(2 ** 31)],
    ['the largest safe integer', 'bigint', Number.MAX_SAFE_INTEGER],
  ] as const)('accept %s', (_what, kind, value) => {
    expect(decodeCursor('x', [kind], encodeCursor('x', [value]))).toEqual([value]);
  });
});

describe('pages', () => {
  it('hand out `limit` rows and a cursor to the last when the query found one more', () => {
    const page = toPage([1, 2, 3], 2, 'n', (n) => [n]);
    expect(page).toEqual({ items: [1, 2], has_more: true, next_cursor: encodeCursor('n', [2]) });
  });

  it('end with next_cursor null and has_more false', () => {
    expect(toPage([1, 2], 2, 'n', (n) => [n])).toEqual({ items: [1, 2], has_more: false, next_cursor: null });
    expect(toPage([], 2, 'n', (n: number) => [n])).toEqual({ items: [], has_more: false, next_cursor: null });
  });
});
