/**
 * The deposit's shapes shared by its workflow contracts, its activities and its store (types
 * only): a contract may import them without reaching into `activities/`.
 */

export interface ChainHeads {
  head: number;
  headBlockId: string;
  headTimestamp: number;
  solidified: number;
  /** Chain time of the solidified block: the clock "expired" and "dropped" are judged by. */
  solidifiedTimestamp?: number;
}

/** A Transfer to one of our deposit addresses, as first seen in a (not yet solid) block. */
export interface DepositCandidate {
  txid: string;
  logIndex: number;
  accountId: string;
  address: string;
  from: string;
  /** micro-USDT */
  amount: number;
  blockNumber: number;
  /** Chain time (ms) after which the transaction can never be included again. */
  expiration: number;
}

export interface ScanResult {
  /** The chain under the cursor changed: rescan from the solidified block. */
  reorged: boolean;
  lastNumber: number;
  lastBlockId: string;
  deposits: DepositCandidate[];
}

export type DepositCheck =
  | { state: 'pending'; confirmations: number }
  | { state: 'solid'; amount: number; blockNumber: number }
  | { state: 'dropped' | 'failed'; reason: string }
  /**
   * Unknown to the solidified chain although the solidified block's time is past the expiration
   * by EXPIRY_MARGIN_MS: dropped if lookups at later solidified heights agree (the workflow counts).
   */
  | { state: 'missing'; solidified: number };

export type DepositStatus = 'pending' | 'confirmed' | 'dropped' | 'failed';
