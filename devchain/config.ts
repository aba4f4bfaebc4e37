// Options and constants for the devchain.

/**
 * Resource prices and usages. A TRC-20 call always pays for its bandwidth and energy in burnt TRX
 * (the devchain has no staking / free bandwidth for contract calls), so with the defaults every
 * USDT transfer burns 345 × 1000 + 65 000 × 210 = 13 995 000 sun ≈ 14 TRX, close to mainnet.
 */
export interface FeeSchedule {
  /** sun per unit of energy (java-tron chain parameter getEnergyFee). */
  energyPriceSun: number;
  /** sun per byte of bandwidth (java-tron chain parameter getTransactionFee). */
  bandwidthPriceSun: number;
  /** energy of a TRC-20 transfer(). */
  trc20TransferEnergy: number;
  /** energy of any other TRC-20 call (views, and calls that revert on an unknown selector). */
  trc20OtherEnergy: number;
  /** bandwidth (bytes) charged for a contract call. */
  contractCallBytes: number;
}

export const DEFAULT_FEES: FeeSchedule = {
  energyPriceSun: 210,
  bandwidthPriceSun: 1000,
  trc20TransferEnergy: 65_000,
  trc20OtherEnergy: 1_000,
  contractCallBytes: 345,
};

export interface DevchainOptions {
  port?: number;
  host?: string;
  /** Produce a block every N ms; 0 = blocks only via POST /admin/mine. */
  blockIntervalMs?: number;
  /** Solidified height = head − solidityLag (never decreases). */
  solidityLag?: number;
  /** Seeds the USDT contract address, the witness key and the genesis block. */
  seed?: string;
  fees?: Partial<FeeSchedule>;
}

export const DEFAULT_SEED = 'agentrent-devchain';
export const DEFAULT_SOLIDITY_LAG = 19;
/** Block time used for timestamps (java-tron slot length); chain time advances ≥ 3 s per block. */
export const BLOCK_SLOT_MS = 3000;
/** java-tron's default expiration window for transactions it builds. */
export const TX_EXPIRATION_MS = 60_000;
/** java-tron rejects expirations more than 24 h past the head block time. */
export const MAX_EXPIRATION_AHEAD_MS = 24 * 3600 * 1000;
/** java-tron's maximum fee_limit (15 000 TRX). */
export const MAX_FEE_LIMIT_SUN = 15_000_000_000;
/** TAPOS window: ref_block_bytes are the low 16 bits of a block number among the last 65 536 blocks. */
export const TAPOS_WINDOW = 65_536;
export const BLOCK_VERSION = 32;
export const NODE_CODE_VERSION = '4.8.0';

export const USDT_NAME = 'Tether USD';
export const USDT_SYMBOL = 'USDT';
export const USDT_DECIMALS = 6;
