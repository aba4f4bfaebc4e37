/**
 * Ledger activities: the only way workflows move money. Each call is keyed, so a retried
 * activity posts nothing twice. Business failures (insufficient balance) are non-retryable.
 */
import { type LedgerAccountKey, type Posting, type PostingLine, type PostingResult } from '../domain/ledger';
import { postJournal } from '../db/ledger';
import type { Micro } from '../domain/money';
import { splitPayout } from '../domain/payouts';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { payerOf, postReferralCommission, referralForFee } from './referrals';

export interface PayEarnerInput {
  /** Unique per payout, e.g. `rental-settlement:<rental_id>`; the referral commission uses `<key>:referral`. */
  idempotencyKey: string;
  kind: string;
  reference: string;
  /** Where the gross amount comes from, usually an escrow account. */
  from: LedgerAccountKey;
  earnerId: string;
  gross: Micro;
}

export interface PayEarnerResult {
  net: Micro;
  fee: Micro;
  referralCommission: Micro;
  referrerId: string | null;
}

export function createLedgerActivities({ db, config }: ActivityDeps) {
  return {
    async postLedger(posting: Posting): Promise<PostingResult> {
      return postJournal(db, posting).catch(asActivityFailure);
    },

    /**
     * Pays an earner `gross − platform fee`; when the payer (owner of an escrow `from`) or else the
     * earner was referred less than the referral window ago, that referrer gets its share of the fee
     * (from the platform's share) in a second, separately keyed journal of kind
     * `referral_commission` (activities/referrals.ts).
     */
    async payEarner(input: PayEarnerInput): Promise<PayEarnerResult> {
      const referral = await referralForFee(db, config, {
        payerId: payerOf(input.from),
        earnerId: input.earnerId,
      });
      const referrerId = referral?.referrerId ?? null;
      const split = splitPayout(
        input.gross,
        config.PLATFORM_FEE_BPS,
        referrerId ? config.REFERRAL_SHARE_BPS : 0,
      );
      const lines: PostingLine[] = [
        { account: input.from, amount: -input.gross },
        { account: { ownerId: input.earnerId, purpose: 'available' }, amount: split.net },
        { account: { ownerId: null, purpose: 'platform_fees' }, amount: split.fee },
      ];
      await postJournal(db, {
        idempotencyKey: input.idempotencyKey,
        kind: input.kind,
        reference: input.reference,
        memo: { earner_id: input.earnerId, gross: input.gross, fee: split.fee },
        lines: lines.filter((l) => l.amount !== 0),
      }).catch(asActivityFailure);
      if (referral && split.referralCommission > 0) {
        await postReferralCommission(db, config, {
          feeKey: input.idempotencyKey,
          reference: input.reference,
          sourceKind: input.kind,
          fee: split.fee,
          referral,
        });
      }
      return { net: split.net, fee: split.fee, referralCommission: split.referralCommission, referrerId };
    },
  };
}
