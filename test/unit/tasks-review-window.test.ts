import { MICRO_PER_USDT } from '../../domain/money';
import { reviewWindowMs, TASK_CATEGORIES } from '../../domain/task-rules';

const HOUR = 60 * 60 * 1000;

describe('review window by reward tier', () => {
  it.each([
    [1, 24],
    [999_999, 24],
    [1 * MICRO_PER_USDT, 48],
    [9_999_999, 48],
    [10 * MICRO_PER_USDT, 72],
    [99_999_999, 72],
    [100 * MICRO_PER_USDT, 168],
    [10_000 * MICRO_PER_USDT, 168],
  ])('gives a reward of %d micro-USDT a %d hour window', (reward, hours) => {
    expect(reviewWindowMs(reward)).toBe(hours * HOUR);
  });
});

describe('task categories', () => {
  it('include "social", the category the RoboRent examples search for', () => {
    expect(TASK_CATEGORIES).toContain('social');
  });
});
