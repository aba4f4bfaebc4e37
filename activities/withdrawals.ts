/**
 * Withdrawal activities. The one rule: a withdrawal's transfer is signed once per attempt and the
 * signed bytes + txid are stored BEFORE anything is broadcast; every retry rebroadcasts exactly
 * those bytes. A new attempt (a new signature) is only ever made by the workflow after
 * `checkWithdrawalTransfer` proved the previous one expired without reaching the chain.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Types } from 'tronweb';
import { ErrorCode } from '../domain/errors';
import type {
  BroadcastOutcome,
  SignResult,
  TransferCheck,
  WithdrawalRequest,
  WithdrawalStatus,
} from '../domain/withdrawals';
import { withTransaction } from '../db/pool';
import { postJournal } from '../db/ledger';
import type { Micro } from '../domain/money';
import { toMicro } from '../domain/money';
import { addressOfPrivateKey } from '../services/tron-address';
import { hex20FromBase58 } from '../services/tron-address';
import { isSuccessful, transfersOf } from '../services/tron-events';
import { type ReviewReason, reviewReasons } from '../domain/withdrawal-risk';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { postReferralCommission, referralForFee } from './referrals';
import { EXPIRY_MARGIN_MS } from './deposits';
import { TronNode } from '../services/tron-node';
import {
  confirmWithdrawal,
  insertWithdrawal,
  insertWithdrawalAttempt,
  markAttemptBroadcast,
  setWithdrawalStatus,
  setWithdrawalTxid,
  settleWithdrawal,
  withdrawalAttemptOf,
  withdrawalHistoryOf,
  withdrawalReviewReasons,
} from '../db/withdrawals';
import { lockAccount } from '../db/accounts';
import { resolveOperatorAlert } from '../db/operator-alerts';
import { raiseOperatorAlert } from '../db/operator-alerts';

const heldAccount = (r: { accountId: string; withdrawalId: string }) => ({
  ownerId: r.accountId,
  purpose: 'held' as const,
  subject: `withdrawal:${r.withdrawalId}`,
});

function hotWalletKey(deps: ActivityDeps): string {
  const key = deps.config.TRON_HOT_WALLET_PRIVATE_KEY;
  if (!key)
    throw ApplicationFailure.nonRetryable(
      'TRON_HOT_WALLET_PRIVATE_KEY is not configured',
      ErrorCode.Unavailable,
    );
  return key;
}

function usdtContract(deps: ActivityDeps): string {
  const c = deps.config.TRON_USDT_CONTRACT;
  if (!c)
    throw ApplicationFailure.nonRetryable('TRON_USDT_CONTRACT is not configured', ErrorCode.Unavailable);
  return c;
}

const decodeHexMessage = (hex?: string) => {
  if (!hex) return '';
  try {
    return Buffer.from(hex, 'hex').toString('utf8');
  } catch {
    return hex;
  }
};

export function createWithdrawalActivities(deps: ActivityDeps) {
  const { db, config, logger } = deps;
  const node = new TronNode(config);

  async function loadAttempt(withdrawalId: string, attempt: number) {
    const r = await withdrawalAttemptOf<Types.SignedTransaction>(db, withdrawalId, attempt);
    return r.rows[0];
  }

  /** The read model shows the txid of the current attempt. */
  async function publishTxid(withdrawalId: string, txid: string): Promise<void> {
    await setWithdrawalTxid(db, withdrawalId, txid);
  }

  async function raiseAlert(kind: string, subject: string, message: string): Promise<void> {
    logger.warn({ alert: kind, subject }, message);
    await raiseOperatorAlert(db, kind, subject, message);
  }

  async function resolveAlert(kind: string, subject: string): Promise<void> {
    await resolveOperatorAlert(db, kind, subject);
  }

  /** Whether the hot wallet can pay `net` USDT plus the TRX fee limit right now; why not if not. */
  async function hotWalletShortfall(net: Micro): Promise<string | undefined> {
    const hot = addressOfPrivateKey(hotWalletKey(deps));
    const [usdt, trx] = await Promise.all([
      node.tokenBalance(usdtContract(deps), hot),
      node.trxBalanceSun(hot),
    ]);
    if (usdt < BigInt(net)) return `hot wallet ${hot} holds ${usdt} USDT units, needs ${net}`;
    if (trx < config.TRON_FEE_LIMIT_SUN)
      return `hot wallet ${hot} holds ${trx} sun TRX, needs ${config.TRON_FEE_LIMIT_SUN} for fees`;
    return undefined;
  }

  return {
    /**
     * Moves `amount` available → held (key `withdrawal-hold:<id>`), writes the read model and
     * evaluates the risk rules. InsufficientBalance is a non-retryable failure (→ 402) and holds nothing.
     */
    async holdWithdrawalFunds(r: WithdrawalRequest): Promise<{ reviewReasons: ReviewReason[] }> {
      // One transaction under the account lock: the rules see every earlier withdrawal of the
      // account (also those being held right now by another worker), and the hold, its spend-cap
      // check and the row commit together, so no concurrent withdrawal can skip a rule.
      return withTransaction(db, async (tx) => {
        await lockAccount(tx, r.accountId);
        const existing = await withdrawalReviewReasons(tx, r.withdrawalId);
        if (existing.rows[0]) return { reviewReasons: existing.rows[0].review_reasons };
        // An address is known only once a withdrawal to it was confirmed; velocity counts every
        // withdrawal of the trailing 24 h and every one still in flight.
        const facts = await withdrawalHistoryOf(tx, r.accountId, r.address);
        const reasons = reviewReasons(
          {
            reviewAboveMicro: toMicro(config.WITHDRAWAL_REVIEW_ABOVE_USD) ?? Number.MAX_SAFE_INTEGER,
            reviewNewAddress: config.WITHDRAWAL_REVIEW_NEW_ADDRESS,
            velocityPer24h: config.WITHDRAWAL_REVIEW_VELOCITY_PER_24H,
          },
          { amount: r.amount, previousToAddress: facts.rows[0].confirmed, recentCount: facts.rows[0].recent },
        );
        await postJournal(tx, {
          idempotencyKey: `withdrawal-hold:${r.withdrawalId}`,
          kind: 'withdrawal_hold',
          reference: `withdrawal:${r.withdrawalId}`,
          memo: { address: r.address, fee: r.fee, net: r.net },
          lines: [
            { account: { ownerId: r.accountId, purpose: 'available' }, amount: -r.amount },
            { account: heldAccount(r), amount: r.amount },
          ],
        }).catch(asActivityFailure);
        await insertWithdrawal(tx, r.withdrawalId, r.accountId, r.amount, r.fee, r.net, r.address, reasons);
        return { reviewReasons: reasons };
      });
    },

    async setWithdrawalStatus(input: {
      withdrawalId: string;
      status: WithdrawalStatus;
      reason?: string | null;
      decidedBy?: string;
    }): Promise<void> {
      await setWithdrawalStatus(
        db,
        input.withdrawalId,
        input.status,
        input.reason ?? null,
        input.decidedBy ?? null,
      );
    },

    /**
     * Returns attempt `attempt`'s signed transfer, signing it only if it was never signed: the
     * stored row wins any race, so one attempt has exactly one txid. Before signing, a hot wallet
     * short of USDT or TRX raises an operator alert and reports `waiting_funds` instead.
     */
    async signWithdrawal(input: WithdrawalRequest & { attempt: number }): Promise<SignResult> {
      const stored = await loadAttempt(input.withdrawalId, input.attempt);
      if (stored) {
        // A previous run may have died between storing the attempt and publishing its txid.
        await publishTxid(input.withdrawalId, stored.txid);
        return { kind: 'signed', txid: stored.txid, expiration: stored.expiration };
      }
      if (!config.TRON_HOT_WALLET_PRIVATE_KEY || !config.TRON_USDT_CONTRACT) {
        // Misconfiguration must not fail a withdrawal whose funds are held: wait for the operator.
        const reason = 'hot wallet not configured (TRON_HOT_WALLET_PRIVATE_KEY, TRON_USDT_CONTRACT)';
        await raiseAlert('hot_wallet_unconfigured', 'tron-hot-wallet', reason);
        return { kind: 'waiting_funds', reason };
      }
      const shortfall = await hotWalletShortfall(input.net);
      if (shortfall) {
        await raiseAlert('hot_wallet_short', 'tron-hot-wallet', shortfall);
        return { kind: 'waiting_funds', reason: shortfall };
      }
      const key = hotWalletKey(deps);
      const tw = node.tronWeb(key);
      const { transaction } = await tw.transactionBuilder.triggerSmartContract(
        usdtContract(deps),
        'transfer(address,uint256)',
        { feeLimit: config.TRON_FEE_LIMIT_SUN },
        [
          { type: 'address', value: input.address },
          { type: 'uint256', value: input.net },
        ],
        addressOfPrivateKey(key),
      );
      const signed = await tw.trx.sign(transaction, key);
      await insertWithdrawalAttempt(
        db,
        input.withdrawalId,
        input.attempt,
        signed.txID,
        JSON.stringify(signed),
        signed.raw_data.expiration,
      );
      const winner = await loadAttempt(input.withdrawalId, input.attempt);
      await publishTxid(input.withdrawalId, winner.txid);
      return { kind: 'signed', txid: winner.txid, expiration: winner.expiration };
    },

    /** Broadcasts the stored bytes of an attempt. DUP_TRANSACTION_ERROR means it is already there. */
    async broadcastWithdrawal(input: { withdrawalId: string; attempt: number }): Promise<BroadcastOutcome> {
      const stored = await loadAttempt(input.withdrawalId, input.attempt);
      if (!stored) throw ApplicationFailure.nonRetryable(`attempt ${input.attempt} was never signed`);
      const res = (await node.tronWeb().trx.sendRawTransaction(stored.signed_tx)) as {
        result?: boolean;
        code?: string;
        message?: string;
      };
      if (res.result || res.code === 'DUP_TRANSACTION_ERROR') {
        await markAttemptBroadcast(db, input.withdrawalId, input.attempt);
        await resolveAlert('hot_wallet_short', 'tron-hot-wallet');
        return { outcome: 'accepted' };
      }
      const reason = `${res.code ?? 'UNKNOWN'}: ${decodeHexMessage(res.message)}`;
      if (res.code === 'BANDWITH_ERROR') {
        await raiseAlert(
          'hot_wallet_short',
          'tron-hot-wallet',
          `broadcast refused for lack of TRX (${reason})`,
        );
        return { outcome: 'insufficient_trx', reason };
      }
      // Expired, TaPoS, validation errors: the bytes were not accepted now. Whether they can never
      // land is decided by checkWithdrawalTransfer (expiration + chain lookup), not by this answer.
      return { outcome: 'refused', code: res.code ?? 'UNKNOWN', reason };
    },

    /** Where an attempt stands. `expired` is the only state that allows signing a new attempt. */
    async checkWithdrawalTransfer(input: {
      withdrawalId: string;
      attempt: number;
      confirmations: number;
    }): Promise<TransferCheck> {
      const stored = await loadAttempt(input.withdrawalId, input.attempt);
      if (!stored) throw ApplicationFailure.nonRetryable(`attempt ${input.attempt} was never signed`);
      const contractHex = hex20FromBase58(usdtContract(deps));
      const solid = await node.transactionInfo(stored.txid, true);
      if (solid) {
        if (!isSuccessful(solid) || transfersOf(solid, contractHex).length === 0)
          return {
            state: 'failed',
            reason: `transaction ${stored.txid} failed on chain (${solid.receipt?.result ?? solid.result})`,
          };
        const head = await node.nowBlock(false);
        if (head.number - (solid.blockNumber ?? head.number) >= input.confirmations)
          return { state: 'confirmed', blockNumber: solid.blockNumber ?? 0 };
        return { state: 'in_block', confirmations: head.number - (solid.blockNumber ?? head.number) };
      }
      const [head, solidHead] = await Promise.all([node.nowBlock(false), node.nowBlock(true)]);
      const info = await node.transactionInfo(stored.txid, false);
      if (info && info.blockNumber !== undefined)
        return { state: 'in_block', confirmations: Math.max(0, head.number - info.blockNumber) };
      // Judged on the solidified chain's clock: any block holding the transaction is then solidified.
      if (
        solidHead.timestamp > stored.expiration + EXPIRY_MARGIN_MS &&
        !(await node.transactionOnChain(stored.txid, true)) &&
        !(await node.transactionOnChain(stored.txid, false))
      )
        return { state: 'expired', solidified: solidHead.number };
      return { state: 'unconfirmed' };
    },

    /**
     * held → hot_wallet (net) + platform_fees (fee), key `withdrawal-final:<id>`; the withdrawer's
     * referrer (within its window) gets its commission on the fee, key `withdrawal-final:<id>:referral`.
     */
    async finalizeWithdrawal(r: WithdrawalRequest & { blockNumber: number }): Promise<void> {
      await postJournal(db, {
        idempotencyKey: `withdrawal-final:${r.withdrawalId}`,
        kind: 'withdrawal',
        reference: `withdrawal:${r.withdrawalId}`,
        memo: { address: r.address, net: r.net, fee: r.fee },
        lines: [
          { account: heldAccount(r), amount: -r.amount },
          { account: { ownerId: null, purpose: 'hot_wallet' }, amount: r.net },
          ...(r.fee > 0
            ? [{ account: { ownerId: null, purpose: 'platform_fees' as const }, amount: r.fee }]
            : []),
        ],
      }).catch(asActivityFailure);
      const referral =
        r.fee > 0 ? await referralForFee(db, config, { payerId: r.accountId, earnerId: null }) : null;
      if (referral)
        await postReferralCommission(db, config, {
          feeKey: `withdrawal-final:${r.withdrawalId}`,
          reference: `withdrawal:${r.withdrawalId}`,
          sourceKind: 'withdrawal',
          fee: r.fee,
          referral,
        });
      await confirmWithdrawal(db, r.withdrawalId, r.blockNumber);
    },

    /** held → available, key `withdrawal-refund:<id>`; the read model ends rejected or failed. */
    async refundWithdrawal(
      r: WithdrawalRequest & { status: 'rejected' | 'failed'; reason: string; decidedBy?: string },
    ): Promise<void> {
      await postJournal(db, {
        idempotencyKey: `withdrawal-refund:${r.withdrawalId}`,
        kind: 'withdrawal_refund',
        reference: `withdrawal:${r.withdrawalId}`,
        memo: { reason: r.reason, ...(r.decidedBy ? { decided_by: r.decidedBy } : {}) },
        lines: [
          { account: heldAccount(r), amount: -r.amount },
          { account: { ownerId: r.accountId, purpose: 'available' }, amount: r.amount },
        ],
      }).catch(asActivityFailure);
      await settleWithdrawal(db, r.withdrawalId, r.status, r.reason, r.decidedBy || null);
    },
  };
}

export type WithdrawalActivities = ReturnType<typeof createWithdrawalActivities>;
