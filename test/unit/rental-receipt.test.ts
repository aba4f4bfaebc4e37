/** The receipt's pure parts (domain/rental-receipt.ts) and who may read it (domain/rental-permissions.ts). */
import { receiptMinutes, transcriptCanonical } from '../../domain/rental-receipt';
import { mayReadRentalReceipt } from '../../domain/rental-permissions';

describe('rental receipt', () => {
  it('when 3 of 5 paid minutes were billed, then minutes 1–3 are available and 4–5 unused', () => {
    expect(receiptMinutes(5, 3).map((m) => `${m.minute}:${m.state}`)).toEqual([
      '1:available',
      '2:available',
      '3:available',
      '4:unused',
      '5:unused',
    ]);
  });

  it('when a booking was cancelled (nothing billed), then every paid minute is unused', () => {
    expect(receiptMinutes(2, 0).map((m) => m.state)).toEqual(['unused', 'unused']);
  });

  it('when the transcript is canonicalised, then it is the JSON array of id, sender, content and time per message, in order', () => {
    const messages = [
      { id: 'a', sender_id: 'r', content: 'hi "there"', created_at: '2026-01-01T00:00:00.000Z' },
      { id: 'b', sender_id: 'x', content: 'line\nbreak', created_at: '2026-01-01T00:00:01.000Z' },
    ];
    expect(transcriptCanonical(messages)).toBe(
      '[["a","r","hi \\"there\\"","2026-01-01T00:00:00.000Z"],["b","x","line\\nbreak","2026-01-01T00:00:01.000Z"]]',
    );
  });

  const owned = { renterId: 'renter', agentId: 'bot', ownerId: 'owner' };
  it.each([
    { who: 'the renter', parties: owned, accountId: 'renter', answer: null },
    { who: 'the bot’s owner', parties: owned, accountId: 'owner', answer: null },
    { who: 'the owned bot', parties: owned, accountId: 'bot', answer: 'rental_receipt_not_allowed' },
    {
      who: 'a bot without an owner (it earns)',
      parties: { ...owned, ownerId: 'bot' },
      accountId: 'bot',
      answer: null,
    },
    { who: 'anyone else', parties: owned, accountId: 'stranger', answer: 'rental_not_found' },
  ])('when $who asks for the receipt, then the refusal is $answer', ({ parties, accountId, answer }) => {
    expect(mayReadRentalReceipt(parties, accountId)).toBe(answer);
  });
});
