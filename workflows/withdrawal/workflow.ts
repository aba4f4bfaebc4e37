/**
 * One USDT withdrawal, `withdrawal-<id>`:
 *   hold funds → (review: operator approves / rejects, or 72 h → rejected)
 *   → sign once → broadcast (rebroadcast the same bytes) → solidified → finalize
 *   or rejected / failed with the held funds returned.
 * A new signature is made only after the previous one provably expired off chain, so the
 * transfer is paid at most once whatever crashes. Hot wallet short of funds → waits, never fails.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TronActivities, WithdrawalStatus } from '../../activities/tron';
import { ErrorCode } from '../../domain/errors';
import { SA } from '../../domain/search-attributes';
import { alertOnPermanentFailure, isPermanentFailure, retryTransient } from '../failures';
import {
  reviewWithdrawalUpdate,
  type WithdrawalAccepted,
  withdrawalAcceptedUpdate,
  type WithdrawalDecision,
  type WithdrawalInput,
  type WithdrawalSnapshot,
  withdrawalStatusQuery,
} from './contract';

/** Withdrawals recorded before they continued-as-new keep waiting in one run when they replay. */
const CONTINUE_AS_NEW_PATCH = 'withdrawal-continue-as-new';
/** Withdrawals recorded before expiry needed agreeing lookups re-sign on the first `expired`. */
const EXPIRY_AGREEMENT_PATCH = 'withdrawal-expiry-agreement';
/**
 * A new attempt is signed only after this many `expired` answers in a row, each at a higher
 * solidified height than the last: one failed lookup never re-signs (and so never pays twice).
 */
export const EXPIRY_AGREEING_LOOKUPS = 3;

// Postgres and a few chain calls (each bounded at 10 s). A short timeout matters: an activity
// lost with a crashed worker is retried only after it, and every retry is safe (keyed / stored).
const act = proxyActivities<TronActivities>({
  startToCloseTimeout: '20s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
  }),
});

class Withdrawal {
  status: WithdrawalStatus = 'queued';
  phase = 'holding';
  attempt = 1;
  txid: string | null = null;
  reason: string | null = null;
  held: boolean | undefined;
  holdFailure: ApplicationFailure | undefined;
  decision: WithdrawalDecision | undefined;
  expiredAnswers = 0;
  lastExpiredSolidified = -1;

  constructor(readonly input: WithdrawalInput) {
    const c = input.carried;
    if (c) {
      Object.assign(this, {
        status: c.status,
        reason: c.reason,
        attempt: c.attempt,
        txid: c.txid,
        expiredAnswers: c.expiredAnswers,
        lastExpiredSolidified: c.lastExpiredSolidified,
      });
      this.held = true;
    }
  }

  carry(): WithdrawalInput {
    return {
      ...this.input,
      carried: {
        status: this.status,
        reason: this.reason,
        attempt: this.attempt,
        txid: this.txid,
        expiredAnswers: this.expiredAnswers,
        lastExpiredSolidified: this.lastExpiredSolidified,
      },
    };
  }

  /** Whether to continue-as-new now (only at a wait in the send loop, where nothing is half done). */
  historyIsLarge(): boolean {
    const info = workflowInfo();
    return (
      (info.continueAsNewSuggested || info.historyLength >= (this.input.historyLimit ?? 2000)) &&
      patched(CONTINUE_AS_NEW_PATCH)
    );
  }

  snapshot(): WithdrawalSnapshot {
    return {
      status: this.status,
      phase: this.phase,
      attempt: this.attempt,
      txid: this.txid,
      reason: this.reason,
    };
  }

  async accepted(): Promise<WithdrawalAccepted> {
    await condition(() => this.held !== undefined);
    if (!this.held)
      throw (
        this.holdFailure ?? ApplicationFailure.nonRetryable('funds could not be held', ErrorCode.Unavailable)
      );
    return { withdrawalId: this.input.withdrawalId, status: 'queued' };
  }

  validateDecision(d: WithdrawalDecision): void {
    if (typeof d?.approve !== 'boolean')
      throw ApplicationFailure.nonRetryable('approve must be a boolean', ErrorCode.Validation);
    if (this.status !== 'review' || this.decision)
      throw ApplicationFailure.nonRetryable(
        `withdrawal is ${this.status}, not in review`,
        ErrorCode.Conflict,
      );
  }

  decide(d: WithdrawalDecision): WithdrawalSnapshot {
    this.decision = d;
    return { ...this.snapshot(), status: d.approve ? 'queued' : 'rejected' };
  }

  async setStatus(status: WithdrawalStatus, reason: string | null = null, decidedBy?: string): Promise<void> {
    if (this.status === status && this.reason === reason) return;
    this.status = status;
    this.reason = reason;
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: status }]);
    await act.setWithdrawalStatus({ withdrawalId: this.input.withdrawalId, status, reason, decidedBy });
  }
}

/**
 * A step failing for good after the hold is an operator alert (activities/operator-alerts.ts),
 * then a failed run: the held funds stay held until an operator resolves it.
 */
export async function withdrawalWorkflow(input: WithdrawalInput): Promise<WithdrawalSnapshot> {
  return alertOnPermanentFailure(
    'withdrawal_failed',
    () => runWithdrawal(input),
    // The hold's own refusal is rethrown as a bare ApplicationFailure: answered, not an alert.
    (err) => err instanceof ActivityFailure && isPermanentFailure(err),
  );
}

async function runWithdrawal(input: WithdrawalInput): Promise<WithdrawalSnapshot> {
  const w = new Withdrawal(input);
  setHandler(withdrawalAcceptedUpdate, () => w.accepted());
  setHandler(reviewWithdrawalUpdate, (d) => w.decide(d), { validator: (d) => w.validateDecision(d) });
  setHandler(withdrawalStatusQuery, () => w.snapshot());

  // A continued run: held, reviewed, and its send state carried in the input.
  if (input.carried) return await send(w);

  // 1. Hold the funds; a short balance ends here with nothing held (the API answers 402).
  let reasons: string[];
  try {
    reasons = (await act.holdWithdrawalFunds(input)).reviewReasons;
    w.held = true;
  } catch (err) {
    w.held = false;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    w.holdFailure =
      cause instanceof ApplicationFailure
        ? ApplicationFailure.create({
            message: cause.message,
            type: cause.type ?? undefined,
            nonRetryable: true,
            details: cause.details ?? undefined, // e.g. the spend cap's Retry-After
          })
        : undefined;
    await condition(allHandlersFinished);
    // Failing (not completing) lets the same Idempotency-Key start a fresh run later.
    throw w.holdFailure ?? err;
  }

  // 2. Review, when a risk rule fired: an operator decides, or the timeout rejects.
  if (reasons.length) {
    await w.setStatus('review', reasons.join(','));
    const decided = await condition(() => w.decision !== undefined, input.reviewTimeoutMs);
    const decision = w.decision ?? { approve: false, operatorId: '', reason: 'no review decision in time' };
    if (!decided || !decision.approve) {
      w.phase = 'refunding';
      await act.refundWithdrawal({
        ...input,
        status: 'rejected',
        reason: decision.reason ?? 'rejected by operator',
        decidedBy: decision.operatorId || undefined,
      });
      w.status = 'rejected';
      w.reason = decision.reason ?? 'rejected by operator';
      upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'rejected' }]);
      await condition(allHandlersFinished);
      return w.snapshot();
    }
    await w.setStatus('queued', null, decision.operatorId);
  }
  return await send(w);
}

/** Continues-as-new with the send state; nothing is in flight at a wait of the send loop. */
async function continueSending(w: Withdrawal): Promise<never> {
  await condition(allHandlersFinished);
  return await continueAsNew<typeof withdrawalWorkflow>(w.carry());
}

// 3. Send: sign once per attempt, (re)broadcast the same bytes, until solid or provably expired.
async function send(w: Withdrawal): Promise<WithdrawalSnapshot> {
  const { input } = w;
  for (;;) {
    w.phase = 'signing';
    const signed = await act.signWithdrawal({ ...input, attempt: w.attempt });
    if (signed.kind === 'waiting_funds') {
      await w.setStatus('waiting_funds', signed.reason);
      if (w.historyIsLarge()) return await continueSending(w);
      await sleep(input.fundsRetryMs);
      continue;
    }
    w.txid = signed.txid;
    for (;;) {
      w.phase = 'broadcasting';
      const sent = await act.broadcastWithdrawal({ withdrawalId: input.withdrawalId, attempt: w.attempt });
      if (sent.outcome === 'accepted') await w.setStatus('broadcast');
      else if (sent.outcome === 'insufficient_trx') await w.setStatus('waiting_funds', sent.reason);

      // Until the chain says otherwise the outcome is ambiguous: it may land any moment.
      w.phase = 'ambiguous';
      const check = await act.checkWithdrawalTransfer({
        withdrawalId: input.withdrawalId,
        attempt: w.attempt,
        confirmations: input.confirmations,
      });
      if (check.state === 'confirmed') {
        w.phase = 'finalizing';
        await act.finalizeWithdrawal({ ...input, blockNumber: check.blockNumber });
        w.status = 'confirmed';
        w.phase = 'done';
        upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'confirmed' }]);
        await condition(allHandlersFinished);
        return w.snapshot();
      }
      if (check.state === 'failed') {
        w.phase = 'refunding';
        await act.refundWithdrawal({ ...input, status: 'failed', reason: check.reason });
        w.status = 'failed';
        w.reason = check.reason;
        upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'failed' }]);
        await condition(allHandlersFinished);
        return w.snapshot();
      }
      if (check.state === 'expired') {
        // Provably never on chain once lookups at rising solidified heights agree: then (only) a
        // new attempt may be signed.
        if (!patched(EXPIRY_AGREEMENT_PATCH)) break;
        const solidified = check.solidified ?? w.lastExpiredSolidified + 1;
        if (solidified > w.lastExpiredSolidified) {
          w.expiredAnswers += 1;
          w.lastExpiredSolidified = solidified;
        }
        if (w.expiredAnswers >= EXPIRY_AGREEING_LOOKUPS) break;
      } else {
        w.expiredAnswers = 0;
      }
      if (check.state === 'in_block') w.phase = 'confirming';
      if (w.historyIsLarge()) return await continueSending(w);
      await sleep(sent.outcome === 'insufficient_trx' ? input.fundsRetryMs : input.pollIntervalMs);
    }
    w.attempt += 1;
    w.expiredAnswers = 0;
    w.lastExpiredSolidified = -1;
  }
}
