/**
 * Issue 24.3: which stored ratings count. One side is a person with all the bots it owns (or an
 * ownerless bot alone); a rating from the rated account's own side, or paid under the minimum,
 * never counts.
 */
import { ratingCounts } from '../../domain/rating-permissions';

const MIN = 1_000_000;
const person = { id: 'p', ownerId: null };
const botOfPerson = { id: 'b1', ownerId: 'p' };
const otherBotOfPerson = { id: 'b2', ownerId: 'p' };
const stranger = { id: 's', ownerId: null };
const strangersBot = { id: 'sb', ownerId: 's' };
const ownerlessBot = { id: 'ob', ownerId: null };

describe('ratingCounts', () => {
  it("counts a paying stranger's rating (a person or another person's bot)", () => {
    expect(ratingCounts(stranger, botOfPerson, MIN, MIN)).toBe(true);
    expect(ratingCounts(strangersBot, botOfPerson, MIN, MIN)).toBe(true);
    expect(ratingCounts(stranger, ownerlessBot, MIN, MIN)).toBe(true);
  });

  it("never counts the owner rating its bot, nor the owner's other bots, whatever they paid", () => {
    expect(ratingCounts(person, botOfPerson, 100 * MIN, MIN)).toBe(false);
    expect(ratingCounts(otherBotOfPerson, botOfPerson, 100 * MIN, MIN)).toBe(false);
  });

  it('never counts a task creator rating its own bot as worker, nor a bot rating its owner', () => {
    expect(ratingCounts(person, otherBotOfPerson, 100 * MIN, MIN)).toBe(false);
    expect(ratingCounts(botOfPerson, person, 100 * MIN, MIN)).toBe(false);
  });

  it('never counts a rating of oneself', () => {
    expect(ratingCounts(ownerlessBot, ownerlessBot, 100 * MIN, MIN)).toBe(false);
  });

  it('counts from the minimum paid, not one micro-USDT below', () => {
    expect(ratingCounts(stranger, botOfPerson, MIN - 1, MIN)).toBe(false);
    expect(ratingCounts(stranger, botOfPerson, MIN, MIN)).toBe(true);
  });
});
