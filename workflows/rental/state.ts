/**
 * The state of one rental, kept in one small class so the workflow reads as its lifecycle.
 * Validators (who may do what, and when) and transitions live here; effects live in workflow.ts.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { businessFailure, ErrorCode, failIf } from '../../domain/errors';
import { times } from '../../domain/money';
import {
  endingSoon,
  ENDING_SOON_MS,
  MAX_RENTAL_MINUTES,
  MS_PER_MINUTE,
  type Settlement,
  settleRental,
} from '../../domain/rental-settlement';
import type { RentalEndedBy, RentalStateUpdate, RentalStatus } from '../../domain/rental-store';
import type { RentalEndedReason, SilenceDecision, SilentSince } from '../../domain/rental-silence';
import { healthCheckAtMs } from '../../domain/rental-availability';
import {
  type CancelRentalInput,
  type ChatWithAgentInput,
  type EndRentalInput,
  type ExtendRentalInput,
  MAX_CHAT_CHARS,
  MAX_MESSAGE_CHARS,
  type PostRentalMessageInput,
  type RentalInput,
  type RentalView,
} from './contract';
import {
  mayChatInRental,
  mayCancelRental,
  mayEndRental,
  mayExtendRental,
  mayUseRentalMessages,
  rentalRoleOf,
} from '../../domain/rental-permissions';

const fail = (message: string, code: ErrorCode) => ApplicationFailure.nonRetryable(message, code);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A FIFO mutex for workflow code: each caller takes a ticket and waits its turn, so exactly one
 * holder runs at a time (a plain boolean would let every waiter through in the same activation).
 */
export class Lock {
  private issued = 0;
  private serving = 0;

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const ticket = this.issued++;
    await condition(() => this.serving === ticket);
    try {
      return await fn();
    } finally {
      this.serving++;
    }
  }
}

export class RentalState {
  status: RentalStatus;
  startsAtMs: number;
  endsAtMs: number;
  paidMinutes: number;
  warnedForEndsAtMs: number | null;
  warnings: number;
  nextSeq: number;
  lastBotMessage: { seq: number; content: string } | null;
  /**
   * After a `/v1/chat` gave up waiting (503): the bot messages since, in order, handed to the
   * renter with the next `/v1/chat` answer so a late reply is never lost. null: nothing owed.
   */
  unseenReplies: Array<{ seq: number; content: string }> | null;
  revision: number;
  endedAtMs: number | null = null;
  endedBy: RentalEndedBy | null = null;
  endedReason: RentalEndedReason | null = null;
  reason: string | null = null;
  settlement: Settlement | null = null;
  settled = false;
  /** Extension holds being posted; settlement waits for them so their money is counted. */
  pendingExtensions = 0;
  /** Extensions whose minutes were added (paid), requestId → minutes; carried across runs. */
  readonly extensions: Record<string, number>;
  /** Extensions being posted right now, requestId → minutes. */
  readonly extending = new Map<string, number>();
  /** Event deliveries scheduled but not yet done (chat.ts inBackground); never carried: drained first. */
  pendingEvents = 0;
  /** Bumped on every change the main loop must re-plan its timers for. */
  changes = 0;
  /** Serializes transcript writes with the end: a message is stored before the end or refused. */
  readonly transcript = new Lock();
  /** Serializes chatWithAgent calls: an agent never sees two of one rental's messages at once. */
  readonly chat = new Lock();
  /**
   * The silence guard's limit (ms), set by the workflow for runs that take the `silence-guard`
   * patch; null: no guard, and nothing below changes what the run does.
   */
  silenceLimitMs: number | null = null;
  /**
   * The oldest renter message the agent has not answered, as far as this run knows: set by a
   * renter message stored here or signalled by the API, cleared by the agent's message stored
   * here. A hint that arms the timer: when it fires the transcript decides (proxy replies are
   * stored by the API, not here).
   */
  silentSince: SilentSince | null;
  /**
   * Per-minute health checks of a proxy agent (issue 25.3), set by runs that take the
   * `health-minute-checks` patch; false: no checks, and nothing below changes what the run does.
   */
  healthChecks = false;
  /** The rental minute (1-based) whose check comes next. */
  nextCheckMinute: number;
  /** Health checks running in the background; continue-as-new waits for them (never carried). */
  pendingChecks = 0;
  /**
   * While the guard reads the transcript (a local activity; a slow one lets the workflow task
   * heartbeat, so messages and signals can be applied before its answer): what this run learnt
   * meanwhile, which the read may have missed — the first renter message noted, and whether the
   * agent's message was stored here. Never carried: a check ends before the run can continue.
   */
  private silenceCheck: { noted: SilentSince | null; answered: boolean } | null = null;

  constructor(
    readonly input: RentalInput,
    nowMs: number,
  ) {
    const c = input.carried;
    this.startsAtMs = c?.startsAtMs ?? input.startsAtMs ?? nowMs;
    this.endsAtMs = c?.endsAtMs ?? this.startsAtMs + input.minutes * MS_PER_MINUTE;
    this.paidMinutes = c?.paidMinutes ?? input.minutes;
    this.status = c?.status ?? (input.bookedAhead ? 'scheduled' : 'active');
    this.warnedForEndsAtMs = c?.warnedForEndsAtMs ?? null;
    this.warnings = c?.warnings ?? 0;
    this.nextSeq = c?.nextSeq ?? 1;
    this.lastBotMessage = c?.lastBotMessage ?? null;
    this.unseenReplies = c?.unseenReplies ?? null;
    this.revision = c?.revision ?? 0;
    this.extensions = { ...c?.extensions };
    this.silentSince = c?.silentSince ?? null;
    this.nextCheckMinute = c?.nextCheckMinute ?? 1;
  }

  get ended(): boolean {
    return this.status === 'ended';
  }

  roleOf(accountId: string): 'renter' | 'bot' | 'owner' | undefined {
    return rentalRoleOf(this.input, accountId);
  }

  // ── validators: run before a handler is accepted into history ───────────────────────────

  private assertParticipant(accountId: string): void {
    failIf(mayUseRentalMessages(this.input, accountId));
  }

  assertOpen(): void {
    if (this.ended) throw businessFailure('rental_ended');
  }

  validateExtend(u: ExtendRentalInput): void {
    failIf(mayExtendRental(this.input, { accountId: u.byAccountId }));
    this.assertStarted();
    if (!Number.isInteger(u.minutes) || u.minutes < 1 || u.minutes > MAX_RENTAL_MINUTES)
      throw fail(`minutes: must be an integer from 1 to ${MAX_RENTAL_MINUTES}`, ErrorCode.Validation);
    if (!u.requestId) throw fail('requestId: required', ErrorCode.Validation);
    const earlier = this.extensionMinutes(u.requestId);
    if (earlier !== undefined && earlier !== u.minutes)
      throw fail('Idempotency-Key was already used with different parameters', ErrorCode.IdempotencyMismatch);
    if (this.ended) throw businessFailure('rental_already_ended');
  }

  validateEnd(u: EndRentalInput): void {
    failIf(mayEndRental(this.input, { accountId: u.byAccountId, operator: u.byOperator }));
    if (this.ended) throw businessFailure('rental_already_ended');
    this.assertStarted();
  }

  /** A booked rental is cancelled, not ended, before its start; nor extended or written to. */
  assertStarted(): void {
    if (this.status === 'scheduled') throw businessFailure('rental_not_started');
  }

  validateCancel(u: CancelRentalInput): void {
    failIf(mayCancelRental(this.input, u.byAccountId));
    if (this.ended) throw businessFailure('rental_already_ended');
    if (this.status !== 'scheduled') throw businessFailure('rental_already_started');
  }

  validateMessage(u: PostRentalMessageInput): void {
    this.assertParticipant(u.senderId);
    this.assertStarted();
    if (typeof u.content !== 'string' || !u.content.trim())
      throw fail('content: must not be empty', ErrorCode.Validation);
    if (u.content.length > MAX_MESSAGE_CHARS)
      throw fail(`content: at most ${MAX_MESSAGE_CHARS} characters`, ErrorCode.Validation);
    this.assertOpen();
  }

  validateChat(u: ChatWithAgentInput): void {
    failIf(mayChatInRental(this.input, u.renterId));
    if (typeof u.message !== 'string' || !u.message.trim())
      throw fail('message: must not be empty', ErrorCode.Validation);
    if (u.message.length > MAX_CHAT_CHARS)
      throw fail(`message: at most ${MAX_CHAT_CHARS} characters`, ErrorCode.Validation);
    if (this.ended) throw businessFailure('rental_not_active');
  }

  // ── transitions ─────────────────────────────────────────────────────────────────────────

  /** The one-shot warning is armed per end time, so an extension re-arms it by moving the end. */
  warningDue(nowMs: number): boolean {
    return !this.ended && this.warnedForEndsAtMs !== this.endsAtMs && endingSoon(this.endsAtMs, nowMs);
  }

  markWarned(): void {
    this.warnedForEndsAtMs = this.endsAtMs;
    this.warnings++;
    this.setStatus('ending_soon');
  }

  /** Time until the next thing the clock decides: the warning, else the end (or the silence guard). */
  msUntilNextDeadline(nowMs: number): number {
    const warnAt = this.endsAtMs - ENDING_SOON_MS;
    const next = this.warnedForEndsAtMs === this.endsAtMs ? this.endsAtMs : Math.min(warnAt, this.endsAtMs);
    const silentAt = this.silenceDeadlineMs();
    const checkAt = this.healthCheckDeadlineMs();
    const soonest = Math.min(next, silentAt ?? next, checkAt ?? next);
    return Math.max(1, soonest - nowMs);
  }

  // ── per-minute health checks (issue 25.3) ───────────────────────────────────────────────

  /** When the next check is due (the middle of its minute), or null: no checks, or none before the end. */
  private healthCheckDeadlineMs(): number | null {
    if (!this.healthChecks || this.ended || this.status === 'scheduled') return null;
    const at = healthCheckAtMs(this.startsAtMs, this.nextCheckMinute);
    return at < this.endsAtMs ? at : null;
  }

  healthCheckDue(nowMs: number): boolean {
    const at = this.healthCheckDeadlineMs();
    return at !== null && nowMs >= at;
  }

  /**
   * The minute to check now (the one `nowMs` falls in: minutes a stalled worker missed are not
   * checked late), and the next one's turn after it.
   */
  takeHealthCheckMinute(nowMs: number): number {
    const minute = Math.max(this.nextCheckMinute, Math.floor((nowMs - this.startsAtMs) / MS_PER_MINUTE) + 1);
    this.nextCheckMinute = minute + 1;
    this.changes++;
    return minute;
  }

  /** The agent is not a proxy agent: nothing to check for the rest of the rental. */
  stopHealthChecks(): void {
    this.healthChecks = false;
    this.changes++;
  }

  // ── the silence guard (issue 25.4) ──────────────────────────────────────────────────────

  private silenceDeadlineMs(): number | null {
    if (this.silenceLimitMs === null || this.silentSince === null) return null;
    return this.silentSince.sinceMs + this.silenceLimitMs;
  }

  /** The guard's timer has run out: time to ask the transcript. */
  silenceDue(nowMs: number): boolean {
    const at = this.silenceDeadlineMs();
    return at !== null && !this.ended && nowMs >= at;
  }

  /** A renter message the agent has not answered (stored here, or signalled by the API). */
  noteUnanswered(seq: number, nowMs: number): void {
    if (this.silenceLimitMs === null || this.ended) return;
    if (this.silenceCheck) this.silenceCheck.noted ??= { seq, sinceMs: nowMs };
    if (this.silentSince !== null) return;
    this.silentSince = { seq, sinceMs: nowMs };
    this.changes++;
  }

  /** The guard's timer ran out and it is about to read the transcript. */
  beginSilenceCheck(): void {
    this.silenceCheck = { noted: null, answered: false };
  }

  /**
   * What the transcript said, with what this run learnt while it was read: true when the agent is
   * silent and did not answer here meanwhile (the rental ends); otherwise the guard times what is
   * left — the younger message the transcript found, else a renter message noted during the read
   * (the read may predate it), else nothing.
   */
  endSilenceCheck(decision: SilenceDecision): boolean {
    const meanwhile = this.silenceCheck ?? { noted: null, answered: false };
    this.silenceCheck = null;
    if (decision.kind === 'silent' && !meanwhile.answered) return true;
    this.silentSince = decision.kind === 'waiting' ? decision.since : meanwhile.noted;
    this.changes++;
    return false;
  }

  /** The minutes of an extension already applied or being posted under this requestId. */
  extensionMinutes(requestId: string): number | undefined {
    return Object.hasOwn(this.extensions, requestId)
      ? this.extensions[requestId]
      : this.extending.get(requestId);
  }

  applyExtension(minutes: number): void {
    this.paidMinutes += minutes;
    if (this.ended) return; // the hold is refunded as unused minutes at settlement
    this.endsAtMs += minutes * MS_PER_MINUTE;
    this.setStatus('active');
  }

  endedByOf(u: EndRentalInput): RentalEndedBy {
    if (u.byOperator) return 'operator';
    return this.roleOf(u.byAccountId) === 'renter' ? 'renter' : 'owner';
  }

  assertNotEnded(): void {
    if (this.ended) throw businessFailure('rental_already_ended');
  }

  end(by: RentalEndedBy, reason: string, atMs: number, endedReason: RentalEndedReason | null = null): void {
    this.assertNotEnded();
    this.endedAtMs = atMs;
    this.endedBy = by;
    this.endedReason = endedReason;
    this.reason = reason;
    this.setStatus('ended');
  }

  /** `unavailableMinutes` (health-gated billing): started minutes not billed; omitted before the gate. */
  computeSettlement(unavailableMinutes?: readonly number[]): Settlement {
    this.settlement = settleRental({
      pricePerMinute: this.input.pricePerMinute,
      paidMinutes: this.paidMinutes,
      startsAtMs: this.startsAtMs,
      endedAtMs: this.endedAtMs ?? this.endsAtMs,
      ...(unavailableMinutes === undefined ? {} : { unavailableMinutes }),
    });
    return this.settlement;
  }

  /** The booked start came: the minutes count from now on (booking.ts). */
  markStarted(): void {
    this.setStatus('active');
  }

  /** A cancel before the start: nothing is billed, the whole hold goes back (booking.ts). */
  settleCancelled(): Settlement {
    // Not settleRental: a started rental bills at least one minute, a cancelled one none.
    this.settlement = {
      billedMinutes: 0,
      ownerGross: 0,
      refund: times(this.input.pricePerMinute, this.paidMinutes),
    };
    return this.settlement;
  }

  markSettled(): void {
    this.settled = true;
    this.changes++;
  }

  takeSeq(): number {
    return this.nextSeq++;
  }

  /**
   * `replan`: wake the lifecycle to re-plan its timers, as every message did before CHAT_ONE_TASK
   * (a message moves no deadline, but runs recorded so replay a timer cancelled and restarted).
   */
  recordMessage(seq: number, senderId: string, content: string, replan = true, nowMs = Date.now()): void {
    if (senderId === this.input.agentId) {
      this.lastBotMessage = { seq, content };
      this.unseenReplies?.push({ seq, content });
      // The agent answered: nothing to time (the guard's timer, if any, finds nothing due).
      this.silentSince = null;
      if (this.silenceCheck) this.silenceCheck = { noted: null, answered: true };
    } else if (senderId === this.input.renterId) this.noteUnanswered(seq, nowMs);
    if (replan) this.changes++;
  }

  /**
   * The `/v1/chat` answer to message `seq`: owed bot messages from before it, then `reply` (the
   * bot's reply to it, if one came in time), joined by a blank line; undefined when there is
   * nothing to say. Whatever is answered is no longer owed; a chat with no reply becomes owed.
   */
  chatAnswer(seq: number, reply: string | undefined): string | undefined {
    const earlier = (this.unseenReplies ?? []).filter((m) => m.seq < seq).map((m) => m.content);
    this.unseenReplies = reply === undefined ? [] : null;
    const parts = reply === undefined ? earlier : [...earlier, reply];
    return parts.length ? parts.join('\n\n') : undefined;
  }

  /** The bot's latest message if it came after message `seq`. */
  botReplyAfter(seq: number): string | undefined {
    return this.lastBotMessage && this.lastBotMessage.seq > seq ? this.lastBotMessage.content : undefined;
  }

  private setStatus(status: RentalStatus): void {
    this.status = status;
    this.changes++;
  }

  /** The read-model row as of now; each call gets a higher revision so writes apply in order. */
  stateUpdate(): RentalStateUpdate {
    const s = this.settlement;
    return {
      rentalId: this.input.rentalId,
      revision: ++this.revision,
      status: this.status,
      minutes: this.paidMinutes,
      endsAtMs: this.endsAtMs,
      ended:
        // Only settle() records after computing the settlement, once the money has moved.
        s && this.endedBy && this.endedAtMs !== null
          ? {
              endedAtMs: this.endedAtMs,
              endedBy: this.endedBy,
              ...(this.endedReason ? { reason: this.endedReason } : {}),
              billedMinutes: s.billedMinutes,
              ownerGross: s.ownerGross,
              refund: s.refund,
              ...(s.unavailableMinutes ? { unavailableMinutes: s.unavailableMinutes } : {}),
            }
          : undefined,
    };
  }

  view(): RentalView {
    return {
      rentalId: this.input.rentalId,
      status: this.status,
      startsAt: iso(this.startsAtMs),
      endsAt: iso(this.endsAtMs),
      minutes: this.paidMinutes,
      pricePerMinute: this.input.pricePerMinute,
      warnings: this.warnings,
      endedAt: this.endedAtMs === null ? null : iso(this.endedAtMs),
      endedBy: this.endedBy,
      endedReason: this.endedReason,
      reason: this.reason,
      settled: this.settled,
      settlement: this.settlement,
    };
  }

  carry(): RentalInput {
    const { carried: _previous, ...input } = this.input;
    return {
      ...input,
      carried: {
        startsAtMs: this.startsAtMs,
        endsAtMs: this.endsAtMs,
        paidMinutes: this.paidMinutes,
        status: this.status,
        warnedForEndsAtMs: this.warnedForEndsAtMs,
        warnings: this.warnings,
        nextSeq: this.nextSeq,
        lastBotMessage: this.lastBotMessage,
        unseenReplies: this.unseenReplies,
        revision: this.revision,
        extensions: this.extensions,
        // Only runs with the guard carry it, so older runs continue as they always did.
        ...(this.silenceLimitMs === null ? {} : { silentSince: this.silentSince }),
        // Only runs with the checks carry where they are.
        ...(this.healthChecks ? { nextCheckMinute: this.nextCheckMinute } : {}),
      },
    };
  }
}
