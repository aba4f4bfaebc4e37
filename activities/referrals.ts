/**
 * Referral commission (SPEC §1 Referrals): the referrer of a user earns REFERRAL_SHARE_BPS of every
 * platform fee that user generates during REFERRAL_WINDOW_DAYS after joining — fees on payouts they
 * earn, on rentals and tasks they pay for, and on their withdrawals.
 *
 * One fee, one referrer: when a payout has a referred payer AND a referred earner, the PAYER's
 * referrer is paid (the payer's money generated the fee); only when the payer has no referrer in
 * its window does the earner's referrer get it. Each commission is its own journal keyed
 * `<fee posting key>:referral`, so a retried activity pays it exactly once.
 */
import type { Db } from '../db/pool';
import { type LedgerAccountKey } from '../domain/ledger';
import { postJournal } from '../db/ledger';
import { bpsOf, type Micro } from '../domain/money';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { referrerWithinWindow } from '../db/accounts';

type Config = ActivityDeps['config'];

/** Who referred `accountId`, if it joined within the referral window; null otherwise. */
export async function activeReferrerOf(
  db: Db,
  config: Config,
  accountId: string | null,
): Promise<string | null> {
  if (!accountId) return null;
  const r = await referrerWithinWindow(db, accountId, config.REFERRAL_WINDOW_DAYS);
  return r.rows[0]?.referred_by ?? null;
}

/** The user who pays out of an escrow account (the renter, the task creator); null for others. */
export const payerOf = (from: LedgerAccountKey): string | null =>
  from.purpose === 'escrow' ? from.ownerId : null;

export interface FeeReferral {
  referrerId: string;
  /** The referred user the fee is attributed to. */
  referredId: string;
}

/** The one referrer a fee between `payerId` and `earnerId` pays commission to: the payer's first. */
export async function referralForFee(
  db: Db,
  config: Config,
  users: { payerId: string | null; earnerId: string | null },
): Promise<FeeReferral | null> {
  for (const referredId of [users.payerId, users.earnerId]) {
    const referrerId = await activeReferrerOf(db, config, referredId);
    if (referrerId && referredId) return { referrerId, referredId };
  }
  return null;
}

/** Moves the referrer's share of `fee` from platform_fees to its available balance, keyed. */
export async function postReferralCommission(
  db: Db,
  config: Config,
  input: { feeKey: string; reference: string; sourceKind: string; fee: Micro; referral: FeeReferral },
): Promise<Micro> {
  const commission = bpsOf(input.fee, config.REFERRAL_SHARE_BPS);
  if (commission <= 0) return 0;
  await postJournal(db, {
    idempotencyKey: `${input.feeKey}:referral`,
    kind: 'referral_commission',
    reference: input.reference,
    memo: {
      referrer_id: input.referral.referrerId,
      referred_id: input.referral.referredId,
      source_kind: input.sourceKind,
    },
    lines: [
      { account: { ownerId: null, purpose: 'platform_fees' }, amount: -commission },
      { account: { ownerId: input.referral.referrerId, purpose: 'available' }, amount: commission },
    ],
  }).catch(asActivityFailure);
  return commission;
}
