/** The pure cursor and page rules every list shares (domain/pagination.ts). */
import { decodeCursor, encodeCursor, toPage } from '../../domain/pagination';

const invalid = { code: 'VALIDATION', wireCode: 'invalid_cursor' };

describe('cursors', () => {
  it('round-trip a key through an opaque base64url string', () => {
    const cursor = encodeCursor('rentals', ['2026-01-01T00:00:00.000001Z', 'b1e0…']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('rentals', ['string', 'string'], cursor)).toEqual([
      '2026-01-01T00:00:00.000001Z',
      'b1e0…',
    ]);
  });

  it('refuse the cursor of another list', () => {
    expect(() => decodeCursor('keys', ['string', 'string'], encodeCursor('rentals', ['a', 'b']))).toThrow(
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
    expect(() => decodeCursor('tx', ['number'], cursor)).toThrow(expect.objectContaining(invalid));
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
