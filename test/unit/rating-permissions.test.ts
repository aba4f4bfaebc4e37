/** The pure rules of ratings (domain/rating-permissions.ts). */
import { mayRateRental, mayRateSubmission, ratingSummary } from '../../domain/rating-permissions';

const rental = { id: 'r1', renterId: 'renter', agentId: 'bot', ownerId: 'owner' };

describe('rating a rental', () => {
  it('lets the renter rate an ended rental', () => {
    expect(mayRateRental({ ...rental, status: 'ended' }, 'renter')).toBeNull();
  });
  it('refuses the renter before the end with rating_before_end', () => {
    expect(mayRateRental({ ...rental, status: 'active' }, 'renter')).toBe('rating_before_end');
    expect(mayRateRental({ ...rental, status: 'ending_soon' }, 'renter')).toBe('rating_before_end');
  });
  it('refuses the bot and its owner with rating_not_renter', () => {
    expect(mayRateRental({ ...rental, status: 'ended' }, 'bot')).toBe('rating_not_renter');
    expect(mayRateRental({ ...rental, status: 'ended' }, 'owner')).toBe('rating_not_renter');
  });
  it('tells a stranger the rental does not exist', () => {
    expect(mayRateRental({ ...rental, status: 'ended' }, 'stranger')).toBe('rental_not_found');
  });
});

describe('rating a submission', () => {
  it('lets the creator rate an approved submission only', () => {
    expect(mayRateSubmission({ creatorId: 'c' }, { status: 'approved' }, 'c')).toBeNull();
    expect(mayRateSubmission({ creatorId: 'c' }, { status: 'submitted' }, 'c')).toBe(
      'rating_submission_not_approved',
    );
  });
  it('refuses anyone but the creator', () => {
    expect(mayRateSubmission({ creatorId: 'c' }, { status: 'approved' }, 'w')).toBe(
      'rating_not_task_creator',
    );
  });
});

describe('rating summary', () => {
  it('is a null average with count 0 when unrated', () => {
    expect(ratingSummary(0, 0)).toEqual({ average: null, count: 0 });
  });
  it('rounds the average half up to 2 decimals in exact arithmetic', () => {
    expect(ratingSummary(13, 3)).toEqual({ average: 4.33, count: 3 });
    expect(ratingSummary(201, 200)).toEqual({ average: 1.01, count: 200 });
    expect(ratingSummary(5, 1)).toEqual({ average: 5, count: 1 });
  });
});
