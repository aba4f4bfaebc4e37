/**
 * A settled rental's receipt (SPEC §2, issue 25.3): each paid minute's state and the transcript's
 * canonical text, whose SHA-256 the receipt carries. Pure: the API reads the rows and hashes.
 *
 * Health-gated billing is not in place yet: a billed minute is `available` (nothing showed the
 * agent unavailable in a way the settlement counts), a paid minute not billed is `unused` (its
 * price came back), and `unavailable` minutes — not billed because the agent was down — are always
 * 0 until the settlement counts them.
 */

export type ReceiptMinuteState = 'available' | 'unavailable' | 'unused';

export interface ReceiptMinute {
  /** 1-based, from the start. */
  minute: number;
  state: ReceiptMinuteState;
}

/** Minutes 1..paid: the billed ones `available`, the rest `unused` (refunded). */
export function receiptMinutes(paidMinutes: number, billedMinutes: number): ReceiptMinute[] {
  return Array.from({ length: paidMinutes }, (_, i) => ({
    minute: i + 1,
    state: i < billedMinutes ? 'available' : 'unused',
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
