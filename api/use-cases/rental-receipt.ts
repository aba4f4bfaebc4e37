/**
 * `GET /api/rentals/{id}/receipt`: a settled rental's account for the renter and the earner — the
 * minutes billed and refunded, each paid minute's state, the transcript's SHA-256 and the ledger
 * journals that moved the rental's escrow. Read from what the settlement already stored.
 */
import { createHash } from 'node:crypto';
import { appError, refuseIf } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { receiptMinutes, transcriptCanonical } from '../../domain/rental-receipt';
import { mayReadRentalReceipt } from '../../domain/rental-permissions';
import { messagesOf, rentalById, rentalPostings } from '../../db/rentals';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { RentalReceipt } from '../schemas/rentals';
import { messageJson } from './rentals';

export async function rentalReceipt(deps: ApiDeps, principal: Principal, id: string): Promise<RentalReceipt> {
  const row = await rentalById(deps.db, id);
  if (!row) throw appError('rental_not_found');
  refuseIf(
    mayReadRentalReceipt(
      { renterId: row.renter_id, agentId: row.agent_id, ownerId: row.owner_id },
      principal.accountId,
    ),
  );
  // The settlement's own figures (billed, owner_gross, refund are written together): never recomputed here.
  if (!row.settled || row.billed_minutes === null || row.owner_gross === null)
    throw appError('rental_not_settled');
  const billed = row.billed_minutes;
  const unavailable = row.unavailable_minutes ?? [];
  const [messages, postings] = await Promise.all([messagesOf(deps.db, id), rentalPostings(deps.db, id)]);
  return {
    rental_id: row.id,
    price_per_minute: fromMicro(row.price_per_minute),
    paid_minutes: row.minutes,
    billed_minutes: billed,
    unavailable_minutes: unavailable.length,
    refund: fromMicro(row.refund ?? 0),
    total_cost: fromMicro(row.owner_gross),
    ended_by: row.ended_by,
    ended_reason: row.ended_reason,
    minutes: receiptMinutes(row.minutes, billed, unavailable),
    transcript_sha256: createHash('sha256')
      .update(transcriptCanonical(messages.map(messageJson)), 'utf8')
      .digest('hex'),
    postings: postings.map((p) => ({
      journal_id: p.id,
      kind: p.kind,
      idempotency_key: p.idempotency_key,
      escrow_change: fromMicro(p.escrow_change),
      created_at: p.created_at.toISOString(),
    })),
  };
}
