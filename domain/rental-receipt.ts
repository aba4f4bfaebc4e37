/**
 * A settled rental's receipt (SPEC §2, issue 25.3): each paid minute's state and the transcript's
 * canonical text, whose SHA-256 the receipt carries. Pure: the API reads the rows and hashes.
 *
 * Health-gated billing (domain/rental-availability.ts): a started minute the agent was demonstrably
 * unavailable for is `unavailable` (not billed), every other started minute `available` (billed),
 * and a paid minute never started `unused` (refunded) — exactly the minutes the settlement counted.
 */

export type ReceiptMinuteState = 'available' | 'unavailable' | 'unused';

export interface ReceiptMinute {
  /** 1-based, from the start. */
  minute: number;
  state: ReceiptMinuteState;
}

/**
 * Minutes 1..paid as settled: the started ones (billed + unavailable, from the start) `available`
 * unless listed `unavailable`, the rest `unused`. Settlements from before the gate list none.
 */
export function receiptMinutes(
  paidMinutes: number,
  billedMinutes: number,
  unavailableMinutes: readonly number[] = [],
): ReceiptMinute[] {
  const unavailable = new Set(unavailableMinutes);
  const started = billedMinutes + unavailable.size;
  return Array.from({ length: paidMinutes }, (_, i) => ({
    minute: i + 1,
    state: unavailable.has(i + 1) ? 'unavailable' : i < started ? 'available' : 'unused',
  }));
}

/**
 * The transcript as the receipt hashes it: the JSON array of `[id, sender_id, content, created_at]`
 * per message in order — the fields of `GET /api/rentals/{id}/messages` that never change, so a
 * participant can recompute it from that answer.
 */
export function transcriptCanonical(
  messages: ReadonlyArray<{ id: string; sender_id: string; content: string; created_at: string }>,
): string {
  return JSON.stringify(messages.map((m) => [m.id, m.sender_id, m.content, m.created_at]));
}
