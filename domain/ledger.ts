/**
 * The double-entry ledger's shapes and rules: accounts, balanced postings, journal ids. Every
 * balance change is a journal whose lines sum to zero, posted once per idempotency key by
 * `postJournal` (db/ledger.ts).
 */
import type { RandomBytes } from './ids';
import { assertMicro, type Micro } from './money';

export type LedgerPurpose =
  | 'available'
  | 'held'
  | 'escrow'
  | 'platform_fees'
  | 'referral_payouts'
  | 'hot_wallet'
  | 'external'
  | 'adjustments';

/** Identifies a ledger account. `ownerId: null` is the platform. */
export interface LedgerAccountKey {
  ownerId: string | null;
  purpose: LedgerPurpose;
  /** Scopes escrow to one business object, e.g. `rental:<id>` or `task:<id>`. */
  subject?: string;
}

export interface PostingLine {
  account: LedgerAccountKey;
  /** Signed micro-USDT: positive credits the account, negative debits it. */
  amount: Micro;
}

export interface Posting {
  idempotencyKey: string;
  /** What happened, e.g. `adjustment`, `rental_hold`, `rental_settlement`, `task_payout`. */
  kind: string;
  /** The business object it belongs to, e.g. `rental:<id>`. */
  reference?: string;
  memo?: Record<string, unknown>;
  lines: PostingLine[];
}

export interface PostingResult {
  journalId: string;
  /** false when the idempotency key had already been posted. */
  created: boolean;
}

/**
 * UUIDv7 layout (48-bit ms timestamp first): journal ids arrive in roughly ascending order, so
 * the journal and entry indexes append instead of splitting random pages. The caller passes the
 * time (ms since the epoch) and the random source.
 */
export function timeOrderedUuid(nowMs: number, randomBytes: RandomBytes): string {
  const b = Buffer.from(randomBytes(16));
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Platform-owned accounts that take many concurrent postings are spread over shards (no hot row):
 * fees on every payout, `external` on every deposit credit. Read them with `balanceOf` (sums shards).
 */
export const SHARDED_PURPOSES = new Set<LedgerPurpose>(['platform_fees', 'external']);
export const PLATFORM_SHARDS = 8;

export function validatePosting(posting: Posting): void {
  if (!posting.idempotencyKey) throw new Error('posting needs an idempotency key');
  if (posting.lines.length < 2) throw new Error('a posting needs at least two lines');
  let sum = 0;
  for (const line of posting.lines) {
    assertMicro(line.amount, 'posting line');
    if (line.amount === 0) throw new Error('posting lines must be non-zero');
    sum += line.amount;
  }
  if (sum !== 0) throw new Error(`posting ${posting.idempotencyKey} does not balance (sum ${sum})`);
}
