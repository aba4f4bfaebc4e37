/** The pure rules of ratings and direct messages (domain/rating-permissions.ts, message-permissions.ts). */
import {
  mayReadDirectMessages,
  maySendDirectMessage,
  type Relationship,
} from '../../domain/message-permissions';
import { mayRateRental, mayRateSubmission, ratingSummary } from '../../domain/rating-permissions';

const rental = { id: 'r1', renterId: 'renter', agentId: 'bot', ownerId: 'owner' };
const none: Relationship = { rentals: [], tasks: [] };
const viaRental: Relationship = { rentals: [rental], tasks: [] };
const viaTask: Relationship = {
  rentals: [],
  tasks: [{ id: 't1', creatorId: 'creator', workerId: 'worker' }],
};

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

describe('direct messages', () => {
  it('are allowed between a renter and the bot or its owner', () => {
    expect(maySendDirectMessage(viaRental, 'renter', 'bot')).toBeNull();
    expect(maySendDirectMessage(viaRental, 'owner', 'renter')).toBeNull();
    expect(mayReadDirectMessages(viaRental, 'bot', 'renter')).toBeNull();
  });
  it('are not linked by a rental between the bot and its owner', () => {
    expect(maySendDirectMessage(viaRental, 'bot', 'owner')).toBe('dm_not_allowed');
  });
  it('are allowed between a task creator and a worker who accepted', () => {
    expect(maySendDirectMessage(viaTask, 'worker', 'creator')).toBeNull();
  });
  it('are refused between strangers with dm_not_allowed', () => {
    expect(maySendDirectMessage(none, 'a', 'b')).toBe('dm_not_allowed');
    expect(mayReadDirectMessages(none, 'a', 'b')).toBe('dm_not_allowed');
  });
  it('refuses a rental_id the two do not share', () => {
    expect(maySendDirectMessage(viaTask, 'worker', 'creator', 'r1')).toBe('dm_rental_not_shared');
    expect(maySendDirectMessage(viaRental, 'renter', 'bot', 'r1')).toBeNull();
  });
  it('refuses messaging yourself', () => {
    expect(maySendDirectMessage(viaRental, 'renter', 'renter')).toBe('dm_to_self');
  });
});
