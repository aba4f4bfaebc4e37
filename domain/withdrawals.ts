/**
 * The withdrawal's shapes shared by its workflow contract, its activities, its store and the API
 * (types only): a contract may import them without reaching into `activities/`.
 */
import type { Micro } from './money';

export type WithdrawalStatus =
  'queued' | 'review' | 'waiting_funds' | 'broadcast' | 'confirmed' | 'rejected' | 'failed';

export interface WithdrawalRequest {
  withdrawalId: string;
  accountId: string;
  amount: Micro;
  fee: Micro;
  net: Micro;
  address: string;
}

export type SignResult =
  { kind: 'signed'; txid: string; expiration: number } | { kind: 'waiting_funds'; reason: string };

export type BroadcastOutcome =
  | { outcome: 'accepted' }
  | { outcome: 'insufficient_trx'; reason: string }
  | { outcome: 'refused'; code: string; reason: string };

export type TransferCheck =
  | { state: 'confirmed'; blockNumber: number }
  | { state: 'failed'; reason: string }
  | { state: 'in_block'; confirmations: number }
  /** Not in any block; may still be in a pool or arrive later: rebroadcast the same bytes. */
  | { state: 'unconfirmed' }
  /**
   * Unknown to the node, the solidified chain included, although the solidified block's time is
   * past the expiration by EXPIRY_MARGIN_MS. Proof only when lookups at later solidified heights
   * agree (the workflow counts them); `solidified` is the height this answer saw.
   */
  | { state: 'expired'; solidified?: number };
