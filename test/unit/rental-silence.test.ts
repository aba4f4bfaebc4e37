/** The silence guard's decision when its timer runs out (domain/rental-silence.ts). */
import { decideSilence, silenceLimitMs } from '../../domain/rental-silence';

const LIMIT = silenceLimitMs(10);
const NOW = 1_000_000_000;

describe('silence guard decision', () => {
  it('when every renter message has an agent message after it, then there is nothing to time', () => {
    expect(decideSilence(LIMIT, null, NOW)).toEqual({ kind: 'answered' });
  });

  it('when the oldest unanswered message is exactly the limit old, then the agent is silent', () => {
    expect(decideSilence(LIMIT, { seq: 3, ageMs: LIMIT }, NOW)).toEqual({ kind: 'silent', seq: 3 });
  });

  it('when the oldest unanswered message is younger than the limit, then it is timed from when it was stored', () => {
    expect(decideSilence(LIMIT, { seq: 5, ageMs: 2 * 60_000 }, NOW)).toEqual({
      kind: 'waiting',
      since: { seq: 5, sinceMs: NOW - 2 * 60_000 },
    });
  });

  it('when the database clock is a hair behind (negative age), then the message counts as just stored', () => {
    expect(decideSilence(LIMIT, { seq: 1, ageMs: -40 }, NOW)).toEqual({
      kind: 'waiting',
      since: { seq: 1, sinceMs: NOW },
    });
  });

  it('when the limit is given in minutes, then it is that many minutes in ms', () => {
    expect(silenceLimitMs(1440)).toBe(1440 * 60_000);
  });
});
