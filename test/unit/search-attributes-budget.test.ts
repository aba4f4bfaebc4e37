/**
 * Temporal's SQL visibility (Postgres, MySQL, SQLite) allows 10 Keyword, 3 KeywordList, 3 Int and
 * 3 Datetime custom search attributes per namespace; registering an 11th Keyword fails
 * (`cannot have more than 10 search attribute of type Keyword`), and then api and worker never start.
 */
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';

const count = (type: string) => Object.values(SEARCH_ATTRIBUTE_CLI_TYPES).filter((t) => t === type).length;

describe('custom search attributes', () => {
  it('fit SQL visibility with headroom: at most 7 of its 10 Keyword slots', () => {
    expect(count('Keyword')).toBeLessThanOrEqual(7);
  });

  it('stay within the 3 KeywordList, 3 Int and 3 Datetime slots', () => {
    expect(count('KeywordList')).toBeLessThanOrEqual(3);
    expect(count('Int')).toBeLessThanOrEqual(3);
    expect(count('Datetime')).toBeLessThanOrEqual(3);
  });

  it('let operators find workflows by any account through AccountIds, and by amount in micro-USDT', () => {
    expect(SEARCH_ATTRIBUTE_CLI_TYPES.AccountIds).toBe('KeywordList');
    expect(SEARCH_ATTRIBUTE_CLI_TYPES.AmountMicro).toBe('Int');
    for (const gone of ['RenterId', 'CreatorId', 'WorkerId'])
      expect(SEARCH_ATTRIBUTE_CLI_TYPES[gone]).toBeUndefined();
  });
});
