/**
 * The few java-tron HTTP calls the deposit and withdrawal activities make, against
 * TRON_FULL_HOST (devchain locally, TronGrid/own node on Nile or mainnet). Reads go straight to
 * the HTTP API (exact java-tron JSON); building, signing and broadcasting go through tronweb.
 */
import { TronWeb } from 'tronweb';
import type { Config } from '../domain/config';
import type { TronTransactionInfo } from './tron-events';

export interface BlockHeader {
  number: number;
  blockId: string;
  parentHash: string;
  timestamp: number;
}

export interface TronBlock extends BlockHeader {
  /** txid → expiration (ms) of every transaction in the block. */
  expirations: Record<string, number>;
  /**
   * The header commits to transactions the answer left out (a node that has the header but not
   * the body): the block's contents are unknown, not empty.
   */
  bodyMissing: boolean;
}

/** txTrieRoot of a block without transactions (java-tron: 32 zero bytes). */
const EMPTY_TX_TRIE_ROOT = '0'.repeat(64);

interface RawBlock {
  blockID?: string;
  block_header?: {
    raw_data?: { number?: number; parentHash?: string; timestamp?: number; txTrieRoot?: string };
  };
  transactions?: Array<{ txID: string; raw_data?: { expiration?: number } }>;
}

/** A node answer we cannot use: retried by the activity's retry policy. */
export class TronNodeError extends Error {
  override name = 'TronNodeError';
}

function toBlock(raw: RawBlock): TronBlock | undefined {
  const h = raw.block_header?.raw_data;
  if (!raw.blockID || !h || h.number === undefined) return undefined;
  const expirations: Record<string, number> = {};
  for (const tx of raw.transactions ?? []) expirations[tx.txID] = tx.raw_data?.expiration ?? 0;
  return {
    number: h.number,
    blockId: raw.blockID,
    parentHash: h.parentHash ?? '',
    timestamp: h.timestamp ?? 0,
    expirations,
    bodyMissing: !raw.transactions?.length && !!h.txTrieRoot && h.txTrieRoot !== EMPTY_TX_TRIE_ROOT,
  };
}

export class TronNode {
  private readonly headers: Record<string, string>;

  constructor(private readonly config: Config) {
    this.headers = {
      'content-type': 'application/json',
      ...(config.TRON_API_KEY ? { 'TRON-PRO-API-KEY': config.TRON_API_KEY } : {}),
    };
  }

  /** A tronweb instance for this node; with a key when it must sign. */
  tronWeb(privateKey?: string): TronWeb {
    return new TronWeb({
      fullHost: this.config.TRON_FULL_HOST,
      headers: this.config.TRON_API_KEY ? { 'TRON-PRO-API-KEY': this.config.TRON_API_KEY } : undefined,
      ...(privateKey ? { privateKey } : {}),
    });
  }

  async post<T>(path: string, body: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${this.config.TRON_FULL_HOST.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new TronNodeError(`${path} answered HTTP ${res.status}`);
    const json = (await res.json()) as T & { Error?: string };
    if (json && typeof json === 'object' && 'Error' in json && json.Error)
      throw new TronNodeError(`${path}: ${json.Error}`);
    return json;
  }

  async nowBlock(solidity = false): Promise<BlockHeader> {
    const raw = await this.post<RawBlock>(`/${solidity ? 'walletsolidity' : 'wallet'}/getnowblock`);
    const block = toBlock(raw);
    if (!block) throw new TronNodeError('getnowblock returned no block');
    return block;
  }

  /** Blocks [from, to] inclusive, in order (getblockbylimitnext takes an exclusive end, ≤ 100). */
  async blocks(from: number, to: number): Promise<TronBlock[]> {
    const out: TronBlock[] = [];
    for (let start = from; start <= to; start += 100) {
      const end = Math.min(to + 1, start + 100);
      const r = await this.post<{ block?: RawBlock[] }>('/wallet/getblockbylimitnext', {
        startNum: start,
        endNum: end,
      });
      for (const raw of r.block ?? []) {
        const b = toBlock(raw);
        if (b) out.push(b);
      }
    }
    out.sort((a, b) => a.number - b.number);
    return out;
  }

  /**
   * The receipts of every transaction of `block`. Anything short of one receipt per transaction
   * (`{}`, a partial list) means the node does not know them yet: TronNodeError, retry later.
   */
  async transactionInfosOfBlock(block: TronBlock): Promise<TronTransactionInfo[]> {
    const r = await this.post<TronTransactionInfo[] | Record<string, never>>(
      '/wallet/gettransactioninfobyblocknum',
      { num: block.number },
    );
    const ids = new Set(Array.isArray(r) ? r.map((info) => info.id) : []);
    const missing = Object.keys(block.expirations).filter((txid) => !ids.has(txid));
    if (!Array.isArray(r) || missing.length)
      throw new TronNodeError(
        `receipts of block ${block.number} unknown to the node (${missing.length} missing): retry later`,
      );
    return r;
  }

  /** `{}` from the node (unknown / not yet in a block / not yet solidified) → undefined. */
  async transactionInfo(txid: string, solidity: boolean): Promise<TronTransactionInfo | undefined> {
    const r = await this.post<TronTransactionInfo>(
      `/${solidity ? 'walletsolidity' : 'wallet'}/gettransactioninfobyid`,
      { value: txid },
    );
    return r && r.id ? r : undefined;
  }

  /** Whether the node knows the transaction in a block (java-tron answers {} for pending/unknown). */
  async transactionOnChain(txid: string, solidity = false): Promise<boolean> {
    const r = await this.post<{ txID?: string }>(
      `/${solidity ? 'walletsolidity' : 'wallet'}/gettransactionbyid`,
      { value: txid },
    );
    return Boolean(r && r.txID);
  }

  async trxBalanceSun(address: string): Promise<number> {
    const r = await this.post<{ balance?: number }>('/wallet/getaccount', { address, visible: true });
    return r.balance ?? 0;
  }

  async tokenBalance(contract: string, owner: string): Promise<bigint> {
    const tw = this.tronWeb();
    const parameter = tw.utils.abi
      .encodeParams(['address'], [TronWeb.address.toHex(owner).replace(/^41/, '0x')])
      .replace(/^0x/, '');
    const r = await this.post<{ constant_result?: string[]; result?: { result?: boolean } }>(
      '/wallet/triggerconstantcontract',
      {
        owner_address: owner,
        contract_address: contract,
        function_selector: 'balanceOf(address)',
        parameter,
        visible: true,
      },
    );
    const hex = r.constant_result?.[0];
    if (!hex) throw new TronNodeError('balanceOf returned nothing');
    return BigInt(`0x${hex}`);
  }
}
