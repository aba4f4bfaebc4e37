// World state: TRX accounts and the USDT token ledger. One instance per block (a snapshot) plus one
// for the pending pool; snapshots are cloned rather than journaled because the devchain is small.

export interface AccountState {
  /** TRX balance in sun. */
  balance: bigint;
  createTime: number;
  /** Set for the USDT contract account (java-tron prints type "Contract"). */
  isContract?: boolean;
  accountName?: string;
  latestOperationTime?: number;
}

export class WorldState {
  readonly accounts = new Map<string, AccountState>();
  /** USDT balances in token units (6 decimals), keyed by 41-hex address. */
  readonly tokens = new Map<string, bigint>();
  totalSupply = 0n;

  clone(): WorldState {
    const copy = new WorldState();
    for (const [addr, acc] of this.accounts) copy.accounts.set(addr, { ...acc });
    for (const [addr, bal] of this.tokens) copy.tokens.set(addr, bal);
    copy.totalSupply = this.totalSupply;
    return copy;
  }

  account(addr: string): AccountState | undefined {
    return this.accounts.get(addr);
  }

  trxBalance(addr: string): bigint {
    return this.accounts.get(addr)?.balance ?? 0n;
  }

  tokenBalance(addr: string): bigint {
    return this.tokens.get(addr) ?? 0n;
  }

  ensureAccount(addr: string, time: number): AccountState {
    let acc = this.accounts.get(addr);
    if (!acc) {
      acc = { balance: 0n, createTime: time };
      this.accounts.set(addr, acc);
    }
    return acc;
  }

  addTrx(addr: string, delta: bigint, time: number): void {
    const acc = this.ensureAccount(addr, time);
    if (acc.balance + delta < 0n) throw new Error(`TRX balance of ${addr} would go negative`);
    acc.balance += delta;
    if (delta < 0n) acc.latestOperationTime = time;
  }

  addTokens(addr: string, delta: bigint): void {
    const next = this.tokenBalance(addr) + delta;
    if (next < 0n) throw new Error(`USDT balance of ${addr} would go negative`);
    if (next === 0n) this.tokens.delete(addr);
    else this.tokens.set(addr, next);
  }
}
