// Fault modes (POST /admin/fault): the node answering as real nodes sometimes do — `{}` for a block
// it should know, `{}` for a transaction lookup, a solidity node lagging behind — so clients can be
// tested for not trusting a single answer. Each fault is used up by the reads it spoils.
import type { View } from './chain';

export type LookupRoute = 'gettransactionbyid' | 'gettransactioninfobyid';

/** Every fault as armed now, for /admin/info and /admin/fault answers. */
export interface FaultsInfo {
  /** block number → spoiled reads left (null = until cleared) */
  emptyBlocks: Record<string, number | null>;
  /** `<txid|*>:<view>:<route>` → `{}` answers left */
  failedLookups: Record<string, number>;
  solidityLagExtra: number;
}

const UNTIL_CLEARED = Number.POSITIVE_INFINITY;

export class Faults {
  private readonly emptyBlocks = new Map<number, number>();
  private readonly failedLookups = new Map<string, number>();

  /** `{}` for block `num` on the next `times` reads that touch it (default: until cleared). */
  emptyBlock(num: number, times?: number): void {
    this.emptyBlocks.set(num, times ?? UNTIL_CLEARED);
  }

  /** Every transaction lookup route, on both views, answers `{}` for `txid` (or any: `*`) `times` times. */
  failLookup(txid: string, times = 1): void {
    const id = txid === '*' ? '*' : txid.toLowerCase().replace(/^0x/, '');
    for (const view of ['head', 'solid'] as View[])
      for (const route of ['gettransactionbyid', 'gettransactioninfobyid'] as LookupRoute[])
        this.failedLookups.set(`${id}:${view}:${route}`, times);
  }

  clear(): void {
    this.emptyBlocks.clear();
    this.failedLookups.clear();
  }

  /** Whether this read of block `num` must answer as if the node did not know it (uses one read). */
  spoilsBlock(num: number): boolean {
    const left = this.emptyBlocks.get(num);
    if (left === undefined) return false;
    if (left <= 1) this.emptyBlocks.delete(num);
    else this.emptyBlocks.set(num, left - 1);
    return true;
  }

  /** Whether this lookup must answer `{}` (uses one). */
  failsLookup(txid: string, view: View, route: LookupRoute): boolean {
    const id = txid.toLowerCase().replace(/^0x/, '');
    for (const key of [`${id}:${view}:${route}`, `*:${view}:${route}`]) {
      const left = this.failedLookups.get(key);
      if (left === undefined) continue;
      if (left <= 1) this.failedLookups.delete(key);
      else this.failedLookups.set(key, left - 1);
      return true;
    }
    return false;
  }

  info(solidityLagExtra: number): FaultsInfo {
    return {
      emptyBlocks: Object.fromEntries(
        [...this.emptyBlocks].map(([n, left]) => [String(n), left === UNTIL_CLEARED ? null : left]),
      ),
      failedLookups: Object.fromEntries(this.failedLookups),
      solidityLagExtra,
    };
  }
}
