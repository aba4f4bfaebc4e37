// Chain state machine: blocks, per-block state snapshots (kept from the solidified block up), the
// pending pool, broadcast checks in java-tron's order, block production, reorgs and test mints.
import { TronWeb, utils } from 'tronweb';
import { makeBlock, refBlockOf, type Block, type IncludedTx, type Witness } from './block';
import {
  BLOCK_SLOT_MS,
  DEFAULT_FEES,
  DEFAULT_SEED,
  DEFAULT_SOLIDITY_LAG,
  MAX_EXPIRATION_AHEAD_MS,
  TAPOS_WINDOW,
  TX_EXPIRATION_MS,
  type FeeSchedule,
} from './config';
import { sha256Hex, keccak256Hex, toHexAddress, utf8ToHex } from './encoding';
import { TxRejection, executeTx } from './executor';
import { Faults } from './faults';
import { WorldState } from './state';
import { SELECTORS, callUsdt, type CallResult } from './trc20';
import type { ParsedBroadcast, Tx } from './tx';

export type View = 'head' | 'solid';

export type BroadcastCode =
  | 'SIGERROR'
  | 'CONTRACT_VALIDATE_ERROR'
  | 'BANDWITH_ERROR'
  | 'DUP_TRANSACTION_ERROR'
  | 'TAPOS_ERROR'
  | 'TRANSACTION_EXPIRATION_ERROR'
  | 'OTHER_ERROR';

export type BroadcastResult =
  { result: true; txid: string } | { result: false; code: BroadcastCode; txid: string; message: string };

/** Input errors of the admin controls (→ HTTP 400). */
export class AdminError extends Error {}

export interface MintRecord {
  address: string;
  usdtUnits: bigint;
  trxSun: bigint;
  headBlock: number;
  time: number;
}

interface PendingTx {
  tx: Tx;
  forceRevert: boolean;
}

export interface ChainOptions {
  seed?: string;
  solidityLag?: number;
  fees?: Partial<FeeSchedule>;
  now?: () => number;
}

const str = (s: string): Uint8Array => new TextEncoder().encode(s);

export function deriveUsdtAddress(seed: string): string {
  return '41' + keccak256Hex(`devchain-usdt:${seed}`).slice(24);
}

export class Chain {
  readonly usdtContract: string;
  readonly witness: Witness;
  readonly fees: FeeSchedule;
  readonly solidityLag: number;
  readonly mints: MintRecord[] = [];
  /** Fault modes armed through /admin/fault (answers the wallet routes spoil). */
  readonly faults = new Faults();
  /** Fault mode: blocks the solidified head lags behind on top of `solidityLag`. */
  private solidityLagExtraBlocks = 0;
  private readonly now: () => number;
  private readonly blocks: Block[] = [];
  /** state after block N, for N ≥ solidified */
  private readonly snapshots = new Map<number, WorldState>();
  private readonly txIndex = new Map<string, { block: number; index: number }>();
  private pending: PendingTx[] = [];
  /** head state with the pending pool applied: what wallet/getaccount and constant calls read */
  private pendingState: WorldState;
  private solidifiedNum = 0;
  private failNextCount = 0;
  private lastTimestamp: number;

  constructor(opts: ChainOptions = {}) {
    const seed = opts.seed ?? DEFAULT_SEED;
    this.now = opts.now ?? Date.now;
    this.fees = { ...DEFAULT_FEES, ...opts.fees };
    this.solidityLag = opts.solidityLag ?? DEFAULT_SOLIDITY_LAG;
    if (!Number.isInteger(this.solidityLag) || this.solidityLag < 0)
      throw new Error('solidityLag must be ≥ 0');
    this.usdtContract = deriveUsdtAddress(seed);
    const witnessKey = sha256Hex(str(`devchain-witness:${seed}`));
    this.witness = {
      privateKey: witnessKey,
      address: toHexAddress(TronWeb.address.fromPrivateKey(witnessKey)),
    };

    const genesisTime = this.now();
    const genesisState = new WorldState();
    genesisState.accounts.set(this.usdtContract, {
      balance: 0n,
      createTime: genesisTime,
      isContract: true,
      accountName: 'TetherToken',
    });
    genesisState.ensureAccount(this.witness.address, genesisTime);
    const genesis = makeBlock({
      number: 0,
      timestamp: genesisTime,
      parentHash: sha256Hex(str(`devchain-genesis:${seed}`)),
      txs: [],
      witness: this.witness,
    });
    this.blocks.push(genesis);
    this.snapshots.set(0, genesisState);
    this.pendingState = genesisState.clone();
    this.lastTimestamp = genesisTime;
  }

  // ─── Reads ─────────────────────────────────────────────────────────────────

  head(): Block {
    return this.blocks[this.blocks.length - 1];
  }

  get solidified(): number {
    return this.solidifiedNum;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  get failNextArmed(): number {
    return this.failNextCount;
  }

  topOf(view: View): number {
    return view === 'head' ? this.head().number : this.solidifiedNum;
  }

  blockByNum(num: number, view: View): Block | undefined {
    if (!Number.isInteger(num) || num < 0 || num > this.topOf(view)) return undefined;
    return this.blocks[num];
  }

  blockById(id: string, view: View): Block | undefined {
    const clean = id.toLowerCase().replace(/^0x/, '');
    if (!/^[0-9a-f]{64}$/.test(clean)) return undefined;
    const block = this.blockByNum(parseInt(clean.slice(0, 16), 16), view);
    return block?.blockID === clean ? block : undefined;
  }

  /** Full node reads include the pending pool (as java-tron's do); solidity reads the solidified state. */
  stateOf(view: View): WorldState {
    return view === 'head' ? this.pendingState : (this.snapshots.get(this.solidifiedNum) as WorldState);
  }

  findTx(txid: string, view: View): { block: Block; index: number } | undefined {
    const loc = this.txIndex.get(txid.toLowerCase().replace(/^0x/, ''));
    if (!loc || loc.block > this.topOf(view)) return undefined;
    return { block: this.blocks[loc.block], index: loc.index };
  }

  isPending(txid: string): boolean {
    return this.pending.some((p) => p.tx.txid === txid);
  }

  /** Reference block fields for a transaction the node builds (createtransaction / triggersmartcontract). */
  newTxHeader(): { refBlockBytes: string; refBlockHash: string; expiration: number; timestamp: number } {
    const head = this.head();
    return { ...refBlockOf(head), expiration: head.timestamp + TX_EXPIRATION_MS, timestamp: this.now() };
  }

  /** Simulates a USDT call without persisting it (triggerconstantcontract / estimateenergy). */
  constantCall(
    view: View,
    caller: string,
    contract: string,
    data: string,
  ): (CallResult & { energyUsed: number }) | undefined {
    if (contract !== this.usdtContract) return undefined;
    const result = callUsdt(this.stateOf(view).clone(), { contract, caller, data });
    const isTransfer = data.toLowerCase().startsWith(SELECTORS.transfer);
    return { ...result, energyUsed: isTransfer ? this.fees.trc20TransferEnergy : this.fees.trc20OtherEnergy };
  }

  // ─── Broadcast ─────────────────────────────────────────────────────────────

  /**
   * java-tron's broadcast checks, in its order: duplicate, TAPOS, expiration, signature, then the
   * contract itself (validation, fee) against the pending state.
   */
  broadcast(p: ParsedBroadcast, claimedTxid?: string): BroadcastResult {
    const fail = (code: BroadcastCode, message: string): BroadcastResult => ({
      result: false,
      code,
      txid: p.txid,
      message: utf8ToHex(message),
    });
    if (this.txIndex.has(p.txid) || this.isPending(p.txid))
      return fail('DUP_TRANSACTION_ERROR', 'Dup transaction');
    if (!p.tx) return fail('CONTRACT_VALIDATE_ERROR', `contract validate error : ${p.unsupported}`);
    const tx = p.tx;
    if (!this.taposOk(tx)) return fail('TAPOS_ERROR', 'Tapos check error');
    const headTime = this.head().timestamp;
    if (tx.raw.expiration <= headTime || tx.raw.expiration > headTime + MAX_EXPIRATION_AHEAD_MS) {
      return fail('TRANSACTION_EXPIRATION_ERROR', 'Transaction expired');
    }
    const sigError = this.signatureError(tx, claimedTxid);
    if (sigError) return fail('SIGERROR', `validate signature error ${sigError}`);

    const forceRevert = this.failNextCount > 0 && this.isUsdtTransfer(tx);
    try {
      executeTx(this.pendingState, tx, {
        usdtContract: this.usdtContract,
        fees: this.fees,
        time: headTime,
        forceRevert,
      });
    } catch (e) {
      if (!(e instanceof TxRejection)) throw e;
      if (e.code === 'BANDWITH_ERROR') return fail('BANDWITH_ERROR', e.message);
      return fail('CONTRACT_VALIDATE_ERROR', `contract validate error : ${e.message}`);
    }
    if (forceRevert) this.failNextCount--;
    this.pending.push({ tx, forceRevert });
    return { result: true, txid: tx.txid };
  }

  private isUsdtTransfer(tx: Tx): boolean {
    const c = tx.raw.contract;
    return (
      c.type === 'TriggerSmartContract' &&
      c.contract === this.usdtContract &&
      c.data.toLowerCase().startsWith(SELECTORS.transfer)
    );
  }

  /** ref_block_bytes must name one of the last 65 536 blocks and ref_block_hash match its id bytes 8..16. */
  private taposOk(tx: Tx): boolean {
    const { refBlockBytes, refBlockHash } = tx.raw;
    if (!/^[0-9a-f]{4}$/.test(refBlockBytes) || !/^[0-9a-f]{16}$/.test(refBlockHash)) return false;
    const head = this.head().number;
    const low = parseInt(refBlockBytes, 16);
    const num = head - (((((head & 0xffff) - low) % TAPOS_WINDOW) + TAPOS_WINDOW) % TAPOS_WINDOW);
    const block = this.blocks[num];
    return num >= 0 && block !== undefined && block.blockID.slice(16, 32) === refBlockHash;
  }

  private signatureError(tx: Tx, claimedTxid?: string): string | undefined {
    if (claimedTxid !== undefined && claimedTxid.toLowerCase().replace(/^0x/, '') !== tx.txid) {
      return `txID ${claimedTxid} is not sha256(raw_data) ${tx.txid}`;
    }
    if (tx.signatures.length === 0) return 'miss sig or contract';
    if (tx.signatures.length > 1 || tx.raw.permissionId !== 0) {
      return 'devchain supports single-signature owner-permission transactions only';
    }
    const sig = tx.signatures[0];
    if (sig.length !== 130) return `Signature size is ${sig.length / 2}`;
    let signer: string;
    try {
      signer = utils.crypto.ecRecover(tx.txid, sig).toLowerCase();
    } catch (e) {
      return `cannot recover signer: ${(e as Error).message}`;
    }
    if (signer !== tx.raw.contract.owner)
      return `sig error: signed by ${signer}, owner is ${tx.raw.contract.owner}`;
    return undefined;
  }

  // ─── Block production ──────────────────────────────────────────────────────

  /** Produces `count` blocks, packing the pending pool into the first; returns the new blocks. */
  mine(count = 1): Block[] {
    const produced: Block[] = [];
    for (let i = 0; i < count; i++) {
      const parent = this.head();
      // Chain time advances at least one slot per block (so manual mining can expire transactions)
      // and is strictly increasing across reorgs (so a re-mined height never repeats a block id).
      const timestamp = Math.max(this.now(), parent.timestamp + BLOCK_SLOT_MS, this.lastTimestamp + 1);
      const state = (this.snapshots.get(parent.number) as WorldState).clone();
      const txs: IncludedTx[] = [];
      for (const p of this.pending) {
        // Expired or no-longer-valid transactions are dropped from the pool, never packed.
        if (p.tx.raw.expiration <= parent.timestamp) continue;
        try {
          const outcome = executeTx(state, p.tx, {
            usdtContract: this.usdtContract,
            fees: this.fees,
            time: timestamp,
            forceRevert: p.forceRevert,
          });
          txs.push({ tx: p.tx, outcome });
        } catch (e) {
          if (!(e instanceof TxRejection)) throw e;
        }
      }
      this.pending = [];
      const block = makeBlock({
        number: parent.number + 1,
        timestamp,
        parentHash: parent.blockID,
        txs,
        witness: this.witness,
      });
      this.blocks.push(block);
      this.snapshots.set(block.number, state);
      block.txs.forEach(({ tx }, index) => this.txIndex.set(tx.txid, { block: block.number, index }));
      this.lastTimestamp = timestamp;
      this.pendingState = state.clone();
      this.advanceSolidified();
      produced.push(block);
    }
    return produced;
  }

  get solidityLagExtra(): number {
    return this.solidityLagExtraBlocks;
  }

  /** Fault mode: the solidified head lags `extra` more blocks (it stops advancing, never goes back). */
  setSolidityLagExtra(extra: number): void {
    if (!Number.isInteger(extra) || extra < 0) throw new AdminError('solidity_lag_extra must be ≥ 0');
    this.solidityLagExtraBlocks = extra;
    this.advanceSolidified();
  }

  private advanceSolidified(): void {
    const target = this.head().number - this.solidityLag - this.solidityLagExtraBlocks;
    if (target <= this.solidifiedNum) return;
    for (let n = this.solidifiedNum; n < target; n++) this.snapshots.delete(n);
    this.solidifiedNum = target;
  }

  // ─── Test controls ─────────────────────────────────────────────────────────

  /**
   * Drops the last `depth` blocks (never the solidified one). Their transactions vanish; they are not
   * returned to the pool. The pending pool is re-validated against the new head.
   */
  reorg(depth: number): { droppedBlocks: Block[]; droppedTxids: string[] } {
    if (!Number.isInteger(depth) || depth < 1) throw new AdminError('depth must be a positive integer');
    const head = this.head().number;
    const maxDepth = head - this.solidifiedNum;
    if (depth > maxDepth) {
      throw new AdminError(
        `cannot reorg ${depth} blocks: head ${head}, solidified ${this.solidifiedNum}, max depth ${maxDepth}`,
      );
    }
    const droppedBlocks = this.blocks.splice(head - depth + 1);
    const droppedTxids: string[] = [];
    for (const b of droppedBlocks) {
      this.snapshots.delete(b.number);
      for (const { tx } of b.txs) {
        this.txIndex.delete(tx.txid);
        droppedTxids.push(tx.txid);
      }
    }
    this.revalidatePending();
    return { droppedBlocks, droppedTxids };
  }

  private revalidatePending(): void {
    const head = this.head();
    const state = (this.snapshots.get(head.number) as WorldState).clone();
    this.pending = this.pending.filter((p) => {
      if (p.tx.raw.expiration <= head.timestamp) return false;
      try {
        executeTx(state, p.tx, {
          usdtContract: this.usdtContract,
          fees: this.fees,
          time: head.timestamp,
          forceRevert: p.forceRevert,
        });
        return true;
      } catch (e) {
        if (e instanceof TxRejection) return false;
        throw e;
      }
    });
    this.pendingState = state;
  }

  /**
   * Faucet credit, outside any transaction: applied at once to every retained state (solidified and
   * later, and the pending pool), so it shows in both views, survives reorgs and emits no event.
   * USDT alone does not create a TRX account, as on TRON.
   */
  mint(address: string, usdtUnits: bigint, trxSun: bigint): MintRecord {
    if (usdtUnits < 0n || trxSun < 0n) throw new AdminError('amounts must not be negative');
    const time = this.head().timestamp;
    for (const state of [...this.snapshots.values(), this.pendingState]) {
      if (trxSun > 0n) state.addTrx(address, trxSun, time);
      if (usdtUnits > 0n) {
        state.addTokens(address, usdtUnits);
        state.totalSupply += usdtUnits;
      }
    }
    const record: MintRecord = {
      address,
      usdtUnits,
      trxSun,
      headBlock: this.head().number,
      time: this.now(),
    };
    this.mints.push(record);
    return record;
  }

  /** The next `count` broadcast USDT transfers are packed but revert (REVERT, no token movement). */
  armFailNext(count = 1): number {
    if (!Number.isInteger(count) || count < 1) throw new AdminError('count must be a positive integer');
    this.failNextCount += count;
    return this.failNextCount;
  }
}
