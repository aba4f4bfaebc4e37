/**
 * One condition, one text (issue 15): the rental workflow refuses a chat on an ended rental with
 * the same words the API uses for `/v1/chat` and `/v1/status` ("Rental not active").
 */
import { RENTAL_NOT_ACTIVE_MESSAGE } from '../../domain/rental-code';
import { RentalState } from '../../workflows/rental/state';

const endedRental = () =>
  new RentalState(
    {
      rentalId: '00000000-0000-4000-8000-000000000001',
      agentId: '00000000-0000-4000-8000-000000000002',
      agentName: 'bot',
      renterId: '00000000-0000-4000-8000-000000000003',
      renterUsername: 'alice',
      ownerId: '00000000-0000-4000-8000-000000000004',
      minutes: 10,
      pricePerMinute: 100_000,
      channel: 'API',
      eventsEnabled: false,
      carried: {
        startsAtMs: 0,
        endsAtMs: 600_000,
        paidMinutes: 10,
        status: 'ended',
        warnedForEndsAtMs: null,
        warnings: 0,
        nextSeq: 3,
        lastBotMessage: null,
        revision: 2,
      },
    },
    1_000_000,
  );

describe('error texts', () => {
  it('refuses a chat on an ended rental with the API’s "Rental not active"', () => {
    expect(() =>
      endedRental().validateChat({
        message: 'hello',
        renterId: '00000000-0000-4000-8000-000000000003',
      }),
    ).toThrow(new Error(RENTAL_NOT_ACTIVE_MESSAGE));
  });
});
