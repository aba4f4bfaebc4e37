import { toMicro } from '../../domain/money';
import { rentalEventPayload } from '../../domain/rental-events';
import { billedMinutes, endingSoon, rentalCode, settleRental } from '../../domain/rental-settlement';

const MIN = 60_000;

describe('rental settlement math', () => {
  it('bills every started minute, at least the first, never more than paid', () => {
    expect(billedMinutes(0, 0, 60)).toBe(1);
    expect(billedMinutes(0, 1, 60)).toBe(1);
    expect(billedMinutes(0, 10 * MIN, 60)).toBe(10);
    expect(billedMinutes(0, 10 * MIN + 1, 60)).toBe(11);
    expect(billedMinutes(0, 75 * MIN, 60)).toBe(60);
  });

  it('splits the hold exactly into owner gross and unused whole minutes', () => {
    const price = toMicro(0.333333)!;
    const s = settleRental({ pricePerMinute: price, paidMinutes: 60, startsAtMs: 0, endedAtMs: 9.5 * MIN });
    expect(s).toEqual({ billedMinutes: 10, ownerGross: price * 10, refund: price * 50 });
    expect(s.ownerGross + s.refund).toBe(price * 60);
  });

  it('is ending soon at exactly five minutes left, not at five minutes and a millisecond', () => {
    expect(endingSoon(60 * MIN, 55 * MIN)).toBe(true);
    expect(endingSoon(60 * MIN, 55 * MIN - 1)).toBe(false);
  });

  it('derives the rental code from the first 8 hex characters of the id', () => {
    expect(rentalCode('A1B2C3D4-5678-90ab-cdef-1234567890ab')).toBe('a1b2c3d4');
    expect(rentalCode('a1b2-c3d4-5678-90ab-cdef1234567890ab')).toBe('a1b2c3d4');
  });

  it('shapes events as the AgentsAccess sample payload', () => {
    const payload = rentalEventPayload({
      event: 'rental_message',
      eventId: 'e1',
      botId: 'bot',
      rentalId: 'abc-123',
      title: 'New rental message from alice',
      body: 'hi',
      details: { message_id: 'm1', sender_id: 'u1', sender_username: 'alice', content: 'hi' },
      at: '2026-04-21T17:42:11.000Z',
    });
    expect(payload).toEqual({
      event: 'rental_message',
      data: {
        id: 'e1',
        user_id: 'bot',
        type: 'rental_message',
        title: 'New rental message from alice',
        body: 'hi',
        link: '/rentals/abc-123/chat',
        data: {
          rental_id: 'abc-123',
          message_id: 'm1',
          sender_id: 'u1',
          sender_username: 'alice',
          content: 'hi',
        },
        created_at: '2026-04-21T17:42:11.000Z',
      },
      timestamp: '2026-04-21T17:42:11.000Z',
    });
  });
});
