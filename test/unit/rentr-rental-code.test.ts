import {
  durationType,
  isRentalActive,
  normalizeRentalCode,
  timeRemainingSeconds,
} from '../../domain/rental-code';
import type { RentalRow } from '../../domain/rental-store';

describe('rental code normalization', () => {
  it('accepts the first 8 hex characters', () => {
    expect(normalizeRentalCode('a1b2c3d4')).toBe('a1b2c3d4');
  });

  it('drops dashes and lowercases', () => {
    expect(normalizeRentalCode('A1B2C3D4-5678-90AB')).toBe('a1b2c3d4567890ab');
  });

  it('accepts a whole UUID', () => {
    expect(normalizeRentalCode('a1b2c3d4-5678-90ab-cdef-1234567890ab')).toBe(
      'a1b2c3d4567890abcdef1234567890ab',
    );
  });

  it.each([
    ['fewer than 8 characters', 'a1b2c3d'],
    ['8 characters once dashes are dropped is too few', 'a1b2-c3d'],
    ['non-hex characters', 'a1b2c3dz'],
    ['more than a UUID', 'a1b2c3d4567890abcdef1234567890ab0'],
    ['an account API key', 'rr_live_abcdef0123456789'],
    ['LIKE wildcards', 'a1b2c3d4%'],
  ])('rejects %s', (_what, raw) => {
    expect(normalizeRentalCode(raw)).toBeUndefined();
  });
});

describe('rental activity and time', () => {
  const now = Date.parse('2026-05-23T17:30:00Z');
  const rental = (over: Partial<RentalRow>) =>
    ({
      status: 'active',
      starts_at: new Date('2026-05-23T17:00:00Z'),
      ends_at: new Date('2026-05-23T18:00:00Z'),
      ...over,
    }) as RentalRow;

  it('is active between start and end', () => {
    expect(isRentalActive(rental({}), now)).toBe(true);
    expect(isRentalActive(rental({ status: 'ending_soon' }), now)).toBe(true);
  });

  it('is not active once ended, past its end time, or before its start', () => {
    expect(isRentalActive(rental({ status: 'ended' }), now)).toBe(false);
    expect(isRentalActive(rental({ ends_at: new Date(now) }), now)).toBe(false);
    expect(isRentalActive(rental({ starts_at: new Date(now + 1000) }), now)).toBe(false);
  });

  it('counts remaining whole seconds and never goes negative', () => {
    expect(timeRemainingSeconds(rental({}), now)).toBe(1800);
    expect(timeRemainingSeconds(rental({ ends_at: new Date(now - 5000) }), now)).toBe(0);
  });

  it('names the duration by the largest whole unit', () => {
    expect(durationType(2880)).toBe('day');
    expect(durationType(120)).toBe('hour');
    expect(durationType(45)).toBe('minute');
  });
});
