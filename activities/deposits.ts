/**
 * Deposit activities: scan blocks for USDT Transfer events to our deposit addresses, start one
 * `deposit-<txid>-<log_index>` workflow per event, re-check each against the solidified chain and
 * credit the ledger once (journal key `deposit:<txid>:<log_index>`).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ChainHeads, DepositCandidate, DepositCheck, ScanResult } from '../domain/deposits';
import { ErrorCode } from '../domain/errors';
import { postJournal } from '../db/ledger';
import { microFromTokenUnits } from '../domain/money';
import { hex20FromBase58 } from '../services/tron-address';
import { transfersOf } from '../services/tron-events';
import {
  DEPOSIT_WORKFLOW_TYPE,
  type DepositWorkflow,
  depositSolidifiedSignal,
  depositStartOptions,
  depositWorkflowId,
} from '../workflows/deposit/contract';
import type { ActivityDeps } from './deps';
import { depositsCredited, depositsCreditedMicro } from './metrics';
import { type TronBlock, TronNode, TronNodeError } from '../services/tron-node';
import {
  confirmDeposit,
  depositAddressesAmong,
  insertDeposit,
  pendingDepositsToResignal,
  saveWatchCursor,
  setDepositConfirmations,
  setDepositStatus,
  watchCursorOf,
} from '../db/deposits';

/**
 * How far past a transaction's expiration the solidified chain's clock must be before its absence
 * counts: the node's clock, the block slot and a solidity node catching up all blur the edge.
 */
export const EXPIRY_MARGIN_MS = 30_000;

/**
 * Pending deposits whose block solidified in the last this many blocks are signalled again at each
 * new solidified height (a check that raced a lagging node retries on the next block); older ones
 * are left to their own fallback poll.
 */
const RESIGNAL_WINDOW_BLOCKS = 20;
/** Signals in flight at once when many deposits solidify together. */
const SIGNAL_CONCURRENCY = 50;
/** Bounds one notification; the newest blocks first, anything left out has its fallback poll. */
const MAX_SIGNALS = 2000;
/** How long a read of the chain heads is shared by concurrent deposit checks. */
const HEADS_SHARE_MS = 250;

function usdtContract(deps: ActivityDeps): string {
  const c = deps.config.TRON_USDT_CONTRACT;
  if (!c)
    throw ApplicationFailure.nonRetryable('TRON_USDT_CONTRACT is not configured', ErrorCode.Unavailable);
  return c;
}

export function createDepositActivities(deps: ActivityDeps) {
  const { db, config, temporal } = deps;
  const node = new TronNode(config);

  async function heads(): Promise<ChainHeads> {
    const [head, solid] = await Promise.all([node.nowBlock(false), node.nowBlock(true)]);
    return {
      head: head.number,
      headBlockId: head.blockId,
      headTimestamp: head.timestamp,
      solidified: solid.number,
      solidifiedTimestamp: solid.timestamp,
    };
  }

  /**
   * Deposits solidifying together (one block can carry hundreds) each check at once: they share
   * one read of the heads (getnowblock returns whole blocks, the solidified one full of their
   * transactions) if it started at most HEADS_SHARE_MS ago and already shows `solidifiedAtLeast`.
   * An older read only understates confirmations and the chain time, so it can delay a
   * deposit, never credit one early.
   */
  let sharedRead: { startedAt: number; heads: Promise<ChainHeads> } | undefined;
  async function sharedHeads(solidifiedAtLeast: number): Promise<ChainHeads> {
    if (sharedRead && Date.now() - sharedRead.startedAt <= HEADS_SHARE_MS) {
      const h = await sharedRead.heads.catch(() => undefined);
      if (h && h.solidified >= solidifiedAtLeast) return h;
    }
    const read = { startedAt: Date.now(), heads: heads() };
    sharedRead = read;
    return read.heads;
  }

  return {
    tronHeads: heads,

    /**
     * The chain heads once the head is past `afterHead` (at once without it), reading the node's
     * head every `pollMs`; after `maxWaitMs` returns the heads as they are. The solidified height
     * moves with the head, so waiting reads the head only: one call a read, whatever the number
     * of pending deposits (they no longer poll the node themselves).
     */
    async awaitChainHeads(input: {
      afterHead?: number;
      pollMs: number;
      maxWaitMs: number;
    }): Promise<ChainHeads> {
      const ctx = Context.current();
      const deadline = Date.now() + input.maxWaitMs;
      if (input.afterHead !== undefined) {
        while ((await node.nowBlock(false)).number <= input.afterHead && Date.now() < deadline) {
          ctx.heartbeat();
          await ctx.sleep(input.pollMs);
        }
      }
      return heads();
    },

    /**
     * Signals `depositSolidified` to every pending deposit whose block is now solidified and has
     * the required confirmations (plus those of the last RESIGNAL_WINDOW_BLOCKS still pending).
     * Only a hint: each deposit re-checks the chain itself before crediting. Returns the count.
     */
    async notifySolidifiedDeposits(input: { solidified: number; head: number }): Promise<number> {
      const upTo = Math.min(input.solidified, input.head - config.TRON_CONFIRMATIONS);
      const r = await pendingDepositsToResignal(db, upTo - RESIGNAL_WINDOW_BLOCKS, upTo, MAX_SIGNALS);
      const signal = async ({ txid, log_index }: { txid: string; log_index: number }) => {
        try {
          await temporal.workflow
            .getHandle(depositWorkflowId(txid, log_index))
            .signal(depositSolidifiedSignal, { solidified: input.solidified });
        } catch (err) {
          // Closed since the read: nothing left to tell it.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      };
      for (let i = 0; i < r.rows.length; i += SIGNAL_CONCURRENCY)
        await Promise.all(r.rows.slice(i, i + SIGNAL_CONCURRENCY).map(signal));
      return r.rows.length;
    },

    /**
     * Reads blocks [from, to] and returns the USDT Transfers to our deposit addresses. When the
     * first block does not extend `expectedParent` (the last block id we scanned), the chain was
     * reorganised under us and nothing is returned: the watcher rewinds.
     *
     * A block below the head always exists: one the node answers `{}` for, lists without the
     * transactions its header commits to, or whose receipts it does not return in full is unknown,
     * not empty. The scan stops before it (`lastNumber` says how far it got, so the cursor never
     * passes it), and fails (retried) when that is the first block.
     */
    async scanDepositBlocks(input: {
      from: number;
      to: number;
      expectedParent?: string;
    }): Promise<ScanResult> {
      const contractHex = hex20FromBase58(usdtContract(deps));
      const blocks: TronBlock[] = [];
      for (const b of await node.blocks(input.from, input.to)) {
        if (b.number !== input.from + blocks.length || b.bodyMissing) break;
        blocks.push(b);
      }
      if (blocks.length === 0)
        throw new TronNodeError(`block ${input.from} unknown to the node: retry later`);
      let parent = input.expectedParent;
      for (const b of blocks) {
        if (parent !== undefined && b.parentHash !== parent)
          return { reorged: true, lastNumber: input.from - 1, lastBlockId: '', deposits: [] };
        parent = b.blockId;
      }
      const transfers = [];
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (Object.keys(b.expirations).length === 0) continue;
        let infos;
        try {
          infos = await node.transactionInfosOfBlock(b);
        } catch (err) {
          // Receipts not known yet: the scan ends before this block (or is retried if it is the first).
          if (i === 0 || !(err instanceof TronNodeError)) throw err;
          blocks.length = i;
          break;
        }
        for (const info of infos) {
          for (const t of transfersOf(info, contractHex))
            transfers.push({ ...t, expiration: b.expirations[t.txid] ?? 0 });
        }
      }
      const owners = new Map<string, string>();
      if (transfers.length) {
        const r = await depositAddressesAmong(db, [...new Set(transfers.map((t) => t.to))]);
        for (const row of r.rows) owners.set(row.address, row.account_id);
      }
      const deposits: DepositCandidate[] = [];
      for (const t of transfers) {
        const accountId = owners.get(t.to);
        const amount = microFromTokenUnits(t.amount);
        if (!accountId || amount === null) continue;
        deposits.push({
          txid: t.txid,
          logIndex: t.logIndex,
          accountId,
          address: t.to,
          from: t.from,
          amount,
          blockNumber: t.blockNumber,
          expiration: t.expiration,
        });
      }
      const last = blocks[blocks.length - 1];
      return { reorged: false, lastNumber: last.number, lastBlockId: last.blockId, deposits };
    },

    /** The block id at `num` (the watcher's parent link after a rewind). */
    async tronBlockId(num: number): Promise<string> {
      const [b] = await node.blocks(num, num);
      if (!b) throw new Error(`block ${num} not found`);
      return b.blockId;
    },

    /**
     * Starts one deposit workflow per candidate, then saves the watcher's cursor. The workflow id is the business key and a closed
     * deposit is never started again, so a rescan (reorg, continue-as-new, retry) adds nothing.
     */
    async commitDepositScan(input: {
      watcherId: string;
      deposits: DepositCandidate[];
      nextBlock: number;
      lastBlockId: string;
    }): Promise<number> {
      let started = 0;
      for (const c of input.deposits) {
        try {
          await temporal.workflow.start<DepositWorkflow>(
            DEPOSIT_WORKFLOW_TYPE,
            depositStartOptions(
              {
                deposit: c,
                pollIntervalMs: config.TRON_POLL_INTERVAL_MS,
                confirmations: config.TRON_CONFIRMATIONS,
              },
              config.TEMPORAL_TASK_QUEUE,
            ),
          );
          started++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      // Only after every deposit of the scanned blocks has its workflow does the cursor move.
      await saveWatchCursor(db, input.watcherId, input.nextBlock, input.lastBlockId);
      return started;
    },

    /** The cursor a previous watcher with this id saved, if any. */
    async loadDepositCursor(
      watcherId: string,
    ): Promise<{ nextBlock: number; lastBlockId: string | null } | null> {
      const r = await watchCursorOf(db, watcherId);
      const row = r.rows[0];
      return row ? { nextBlock: row.next_block, lastBlockId: row.last_block_id } : null;
    },

    /** Read model row, created once when the deposit is first seen. */
    async recordDeposit(c: DepositCandidate): Promise<void> {
      await insertDeposit(db, c.txid, c.logIndex, c.accountId, c.address, c.from, c.amount, c.blockNumber);
    },

    /**
     * Where the deposit stands on chain. Solid = the solidity node has the receipt, with the
     * confirmations, as SUCCESS and the same Transfer log (contract, recipient, amount) at the same
     * index. Missing = unknown to the solidity node although the solidified block's time is past
     * its expiration by EXPIRY_MARGIN_MS; only agreeing answers at later heights make it dropped.
     * Any other `{}` (a lookup the node failed) is only "pending".
     */
    async checkDeposit(input: {
      deposit: DepositCandidate;
      confirmations: number;
      /** The solidified height the watcher signalled: heads older than that are not reused. */
      solidifiedAtLeast?: number;
    }): Promise<DepositCheck> {
      const c = input.deposit;
      const contractHex = hex20FromBase58(usdtContract(deps));
      // Read together; the solidity receipt is used only if the heads say the block is solid.
      const [h, info, solidInfo] = await Promise.all([
        sharedHeads(input.solidifiedAtLeast ?? 0),
        node.transactionInfo(c.txid, false),
        node.transactionInfo(c.txid, true),
      ]);
      let check: DepositCheck;
      if (solidInfo && solidInfo.blockNumber !== undefined) {
        const confirmations = Math.max(0, h.head - solidInfo.blockNumber);
        const log = transfersOf(solidInfo, contractHex).find((t) => t.logIndex === c.logIndex);
        const amount = log ? microFromTokenUnits(log.amount) : null;
        if (confirmations < input.confirmations) check = { state: 'pending', confirmations };
        else if (!log || log.to !== c.address || amount === null)
          check = { state: 'failed', reason: 'solidified receipt has no matching USDT transfer' };
        else check = { state: 'solid', amount, blockNumber: solidInfo.blockNumber };
      } else if (info && info.blockNumber !== undefined) {
        // In a block the solidity node does not show (yet, or this lookup failed).
        check = { state: 'pending', confirmations: Math.max(0, h.head - info.blockNumber) };
      } else if (
        c.expiration > 0 &&
        h.solidifiedTimestamp !== undefined &&
        h.solidifiedTimestamp > c.expiration + EXPIRY_MARGIN_MS &&
        !(await node.transactionOnChain(c.txid, true))
      ) {
        check = { state: 'missing', solidified: h.solidified };
      } else {
        check = { state: 'pending', confirmations: 0 };
      }
      if (check.state === 'pending') {
        await setDepositConfirmations(db, c.txid, c.logIndex, check.confirmations);
      }
      return check;
    },

    /** Credits the user once: `external` → available, key `deposit:<txid>:<log_index>`. */
    async creditDeposit(input: {
      deposit: DepositCandidate;
      amount: number;
      blockNumber: number;
      confirmations: number;
    }): Promise<void> {
      const c = input.deposit;
      const posted = await postJournal(db, {
        idempotencyKey: `deposit:${c.txid}:${c.logIndex}`,
        kind: 'deposit',
        reference: `deposit:${c.txid}:${c.logIndex}`,
        memo: { txid: c.txid, log_index: c.logIndex, address: c.address, from: c.from },
        lines: [
          { account: { ownerId: null, purpose: 'external' }, amount: -input.amount },
          { account: { ownerId: c.accountId, purpose: 'available' }, amount: input.amount },
        ],
      });
      await confirmDeposit(db, c.txid, c.logIndex, input.amount, input.blockNumber, input.confirmations);
      // Only the attempt whose journal was new counts (a retried credit replays the key).
      if (posted.created) {
        depositsCredited.inc();
        depositsCreditedMicro.inc(input.amount);
      }
    },

    async markDeposit(input: {
      txid: string;
      logIndex: number;
      status: 'dropped' | 'failed';
      reason: string;
    }): Promise<void> {
      await setDepositStatus(db, input.txid, input.logIndex, input.status, input.reason);
    },
  };
}

export type DepositActivities = ReturnType<typeof createDepositActivities>;
