/** Devchain helpers for the TRON tests: admin controls, funded wallets, real tronweb transfers. */
import { TronWeb, utils } from 'tronweb';

export interface ChainWallet {
  address: string;
  privateKey: string;
  tw: TronWeb;
}

export interface MineResult {
  head: number;
  solidified: number;
  blocks: Array<{ number: number; blockID: string; txids: string[] }>;
}

export interface DevchainInfo {
  usdtContract: string;
  head: number;
  solidified: number;
  pending: number;
  headTimestamp: number;
}

export function devchain(fullHost: string, usdtContract: string) {
  async function admin<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${fullHost}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  const reader = new TronWeb({ fullHost });

  const api = {
    mine: (blocks = 1) => admin<MineResult>('/admin/mine', { blocks }),
    mint: (address: string, funds: { usdt?: number; trx?: number }) =>
      admin('/admin/mint', { address, ...funds }),
    failNext: () => admin('/admin/fail-next', { count: 1 }),
    reorg: (depth: number) => admin('/admin/reorg', { depth }),
    info: () => admin<DevchainInfo>('/admin/info'),
    async wallet(funds: { usdt?: number; trx?: number } = { usdt: 1000, trx: 1000 }): Promise<ChainWallet> {
      const account = utils.accounts.generateAccount();
      const w = {
        address: account.address.base58,
        privateKey: account.privateKey,
        tw: new TronWeb({ fullHost, privateKey: account.privateKey }),
      };
      if (funds.usdt || funds.trx) await api.mint(w.address, funds);
      return w;
    },
    /** A signed and broadcast USDT transfer of `units` (micro-USDT); returns its txid. */
    async transfer(from: ChainWallet, to: string, units: number): Promise<string> {
      const { transaction } = await from.tw.transactionBuilder.triggerSmartContract(
        usdtContract,
        'transfer(address,uint256)',
        { feeLimit: 100_000_000 },
        [
          { type: 'address', value: to },
          { type: 'uint256', value: units },
        ],
        from.address,
      );
      const signed = await from.tw.trx.sign(transaction, from.privateKey);
      const res = (await from.tw.trx.sendRawTransaction(signed)) as { result?: boolean; code?: string };
      if (!res.result) throw new Error(`broadcast refused: ${res.code}`);
      return signed.txID;
    },
    async usdtBalance(address: string): Promise<number> {
      const usdt = await reader.contract().at(usdtContract);
      return Number((await usdt.balanceOf(address).call()).toString());
    },
    /** Mines one block at a time until `done()` holds (the workflows poll between blocks). */
    async mineUntil(done: () => Promise<boolean>, opts: { maxBlocks?: number; pauseMs?: number } = {}) {
      for (let i = 0; i < (opts.maxBlocks ?? 200); i++) {
        if (await done()) return;
        await api.mine(1);
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 100));
      }
      if (!(await done())) throw new Error('condition not reached while mining');
    },
  };
  return api;
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A well-known test mnemonic (never holds real funds). */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
