/**
 * One USDT withdrawal, `withdrawal-<id>`:
 *   hold funds → (review: operator approves / rejects — above the four-eyes threshold two
 *   different operators approve — or 72 h → rejected)
 *   → sign once → broadcast (rebroadcast the same bytes) → solidified → finalize
 *   or rejected / failed with the held funds returned.
 * A new signature is made only after the previous one provably expired off chain, so the
 * transfer is paid at most once whatever crashes. Hot wallet short of funds → waits, never fails.
 */
import {
  ActivityFailure,
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
import type { WithdrawalActivities } from '../../activities/withdrawals';
import type { WithdrawalStatus } from '../../domain/withdrawals';
import { SA } from '../../domain/search-attributes';
import { alertOnPermanentFailure, isPermanentFailure, retryTransient } from '../failures';
import { showRefused } from '../opening';
import {
  reviewWithdrawalUpdate,
  withdrawalAcceptedUpdate,
  type WithdrawalInput,
  type WithdrawalSnapshot,
  withdrawalStatusQuery,
} from './contract';
import { WithdrawalState } from './state';

/** Withdrawals recorded before they continued-as-new keep waiting in one run when they replay. */
const CONTINUE_AS_NEW_PATCH = 'withdrawal-continue-as-new';
/** Withdrawals recorded before expiry needed agreeing lookups re-sign on the first `expired`. */
const EXPIRY_AGREEMENT_PATCH = 'withdrawal-expiry-agreement';
/** Withdrawals recorded before four eyes were decided by one approval, whatever their amount. */
const SECOND_APPROVER_PATCH = 'withdrawal-second-approver';

// Postgres and a few chain calls (each bounded at 10 s). A short timeout matters: an activity
// lost with a crashed worker is retried only after it, and every retry is safe (keyed / stored).
const act = proxyActivities<WithdrawalActivities>({
  startToCloseTimeout: '20s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
  }),
});

/** Whether to continue-as-new now (only at a wait in the send loop, where nothing is half done). */
function historyIsLarge(w: WithdrawalState): boolean {
  const info = workflowInfo();
  return (
    (info.continueAsNewSuggested || info.historyLength >= (w.input.historyLimit ?? 2000)) &&
    patched(CONTINUE_AS_NEW_PATCH)
  );
}

/** Shows and stores a status change (nothing when the status and reason are unchanged). */
async function setStatus(
  w: WithdrawalState,
  status: WithdrawalStatus,
  reason: string | null = null,
  decidedBy?: string,
): Promise<void> {
  if (!w.changeStatus(status, reason)) return;
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: status }]);
  await act.setWithdrawalStatus({ withdrawalId: w.input.withdrawalId, status, reason, decidedBy });
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
  const w = new WithdrawalState(input);
  setHandler(withdrawalAcceptedUpdate, async () => {
    await condition(() => w.held !== undefined);
    return w.acceptedOutcome();
  });
  setHandler(reviewWithdrawalUpdate, (d) => w.decide(d), { validator: (d) => w.validateDecision(d) });
  setHandler(withdrawalStatusQuery, () => w.snapshot());

  // A continued run: held, reviewed, and its send state carried in the input.
  if (input.carried) return await send(w);

  // 1. Hold the funds; a short balance ends here with nothing held (the API answers 402).
  let reasons: string[];
  try {
    reasons = (await act.holdWithdrawalFunds(input)).reviewReasons;
    w.holdSucceeded();
  } catch (err) {
    const refusal = w.holdRefused(err);
    if (refusal) showRefused();
    await condition(allHandlersFinished);
    // Failing (not completing) lets the same Idempotency-Key start a fresh run later.
    throw refusal ?? err;
  }

  // 2. Review, when a risk rule fired: an operator decides, or the timeout rejects.
  if (reasons.length) {
    // Four eyes above the threshold: set before the status shows review, so no decision comes first.
    if (w.needsSecondApprover() && patched(SECOND_APPROVER_PATCH)) w.approvalsNeeded = 2;
    await setStatus(w, 'review', reasons.join(','));
    const decided = await condition(() => w.decision !== undefined, input.reviewTimeoutMs);
    const verdict = w.reviewVerdict(decided);
    if (!verdict.approve) {
      w.phase = 'refunding';
      await act.refundWithdrawal({
        ...input,
        status: 'rejected',
        reason: verdict.reason,
        decidedBy: verdict.operatorId,
      });
      w.rejected(verdict.reason);
      upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'rejected' }]);
      await condition(allHandlersFinished);
      return w.snapshot();
    }
    await setStatus(w, 'queued', null, verdict.operatorId);
  }
  return await send(w);
}

/** Continues-as-new with the send state; nothing is in flight at a wait of the send loop. */
async function continueSending(w: WithdrawalState): Promise<never> {
  await condition(allHandlersFinished);
  return await continueAsNew<typeof withdrawalWorkflow>(w.carry());
}

// 3. Send: sign once per attempt, (re)broadcast the same bytes, until solid or provably expired.
async function send(w: WithdrawalState): Promise<WithdrawalSnapshot> {
  const { input } = w;
  for (;;) {
    w.phase = 'signing';
    const signed = await act.signWithdrawal({ ...input, attempt: w.attempt });
    if (signed.kind === 'waiting_funds') {
      await setStatus(w, 'waiting_funds', signed.reason);
      if (historyIsLarge(w)) return await continueSending(w);
      await sleep(input.fundsRetryMs);
      continue;
    }
    w.signed(signed.txid);
    for (;;) {
      w.phase = 'broadcasting';
      const sent = await act.broadcastWithdrawal({ withdrawalId: input.withdrawalId, attempt: w.attempt });
      if (sent.outcome === 'accepted') await setStatus(w, 'broadcast');
      else if (sent.outcome === 'insufficient_trx') await setStatus(w, 'waiting_funds', sent.reason);

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
        w.confirmed();
        upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'confirmed' }]);
        await condition(allHandlersFinished);
        return w.snapshot();
      }
      if (check.state === 'failed') {
        w.phase = 'refunding';
        await act.refundWithdrawal({ ...input, status: 'failed', reason: check.reason });
        w.failed(check.reason);
        upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'failed' }]);
        await condition(allHandlersFinished);
        return w.snapshot();
      }
      if (check.state === 'expired') {
        // Provably never on chain once lookups at rising solidified heights agree: then (only) a
        // new attempt may be signed.
        if (!patched(EXPIRY_AGREEMENT_PATCH)) break;
        if (w.expiredAnswer(check.solidified)) break;
      } else {
        w.notExpired();
      }
      if (check.state === 'in_block') w.phase = 'confirming';
      if (historyIsLarge(w)) return await continueSending(w);
      await sleep(sent.outcome === 'insufficient_trx' ? input.fundsRetryMs : input.pollIntervalMs);
    }
    w.nextAttempt();
  }
}
