/**
 * Reading TRC-20 `Transfer(address,address,uint256)` events out of java-tron transaction infos
 * (`gettransactioninfobyblocknum` / `gettransactioninfobyid`). Pure: no I/O.
 */
import { base58FromHex } from './tron-address';

/** keccak256("Transfer(address,address,uint256)") */
export const TRANSFER_TOPIC = 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

export interface TronLog {
  address: string;
  topics?: string[];
  data?: string;
}

/** The subset of java-tron's TransactionInfo the pipeline reads. */
export interface TronTransactionInfo {
  id?: string;
  blockNumber?: number;
  blockTimeStamp?: number;
  result?: string;
  receipt?: { result?: string };
  log?: TronLog[];
}

export interface TokenTransfer {
  txid: string;
  /** Position of the log within the transaction's logs: with txid, the deposit's identity. */
  logIndex: number;
  blockNumber: number;
  from: string;
  to: string;
  /** Token units; for USDT (6 decimals) this equals micro-USDT. */
  amount: bigint;
}

const strip = (hex: string) => hex.replace(/^0x/, '').toLowerCase();

/**
 * A TRC-20 contract call succeeded only when the receipt says SUCCESS and the info is not marked
 * FAILED (REVERT, OUT_OF_ENERGY … leave no token movement even if logs were emitted).
 */
export function isSuccessful(info: TronTransactionInfo): boolean {
  return info.result !== 'FAILED' && info.receipt?.result === 'SUCCESS';
}

/**
 * The Transfer events emitted by `contractHex20` (20-byte hex, no 41 prefix) in a successful
 * transaction. Logs of any other contract, and every log of a failed transaction, are ignored.
 */
export function transfersOf(info: TronTransactionInfo, contractHex20: string): TokenTransfer[] {
  if (!info.id || info.blockNumber === undefined || !isSuccessful(info)) return [];
  const contract = strip(contractHex20).slice(-40);
  const out: TokenTransfer[] = [];
  (info.log ?? []).forEach((log, logIndex) => {
    const topics = (log.topics ?? []).map(strip);
    if (strip(log.address).slice(-40) !== contract) return;
    if (topics.length !== 3 || topics[0] !== TRANSFER_TOPIC) return;
    const data = strip(log.data ?? '');
    if (!/^[0-9a-f]{1,64}$/.test(data)) return;
    out.push({
      txid: info.id!,
      logIndex,
      blockNumber: info.blockNumber!,
      from: base58FromHex(topics[1]),
      to: base58FromHex(topics[2]),
      amount: BigInt(`0x${data}`),
    });
  });
  return out;
}
