/** The pure rules of direct messages (domain/message-permissions.ts). */
import {
  mayReadDirectMessages,
  maySendDirectMessage,
  type Relationship,
} from '../../domain/message-permissions';

const rental = { id: 'r1', renterId: 'renter', agentId: 'bot', ownerId: 'owner' };
const none: Relationship = { rentals: [], tasks: [] };
const viaRental: Relationship = { rentals: [rental], tasks: [] };
const viaTask: Relationship = {
  rentals: [],
  tasks: [{ id: 't1', creatorId: 'creator', workerId: 'worker' }],
};

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
