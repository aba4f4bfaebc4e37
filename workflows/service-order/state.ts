/**
 * The state of one service order (`service-order-<id>`): who may do what and when (validators,
 * the permissions from domain/service-orders.ts), the transitions, and the deadline the order
 * waits for in each state (`deadline()`; `deadlinePassed()` takes the step silence means).
 * Activities, timers and messages are in workflow.ts.
 *
 * Every transition bumps `version`; the workflow's main loop records the snapshot (and moves the
 * money of a final state) and then sets `applied`, which is when an update answers.
 */
import { ApplicationFailure } from '@temporalio/common';
import { businessFailure, ErrorCode, failIf } from '../../domain/errors';
import type { Micro } from '../../domain/money';
import {
  mayActAsBuyer,
  mayActAsSeller,
  SERVICE_LIMITS,
  SERVICE_ORDER_DEADLINE_DEFAULTS,
  SERVICE_ORDER_FINAL,
  type ServiceOrderDecision,
  type ServiceOrderRecord,
  type ServiceOrderStatus,
} from '../../domain/service-orders';
import { reviewWindowMs } from '../../domain/task-rules';
import { safeRecordedText } from '../../domain/text';
import { OpenedByFirstStep } from '../opening';
import type {
  ActorInput,
  DeliverInput,
  RevisionInput,
  ServiceOrderInput,
  ServiceOrderState,
} from './contract';

const HOUR_MS = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const alreadyIs = (status: ServiceOrderStatus) =>
  ApplicationFailure.nonRetryable(`service order is already ${status}`, ErrorCode.Conflict);

export class ServiceOrder extends OpenedByFirstStep<ServiceOrderState> {
  status: ServiceOrderStatus = 'pending';
  protected readonly notOpenedText = 'escrow could not be held';
  acceptedAt: number | null = null;
  deliverBy: number;
  deliveredAt: number | null = null;
  deliveryMessage: string | null = null;
  reviewDeadline: number | null = null;
  revisionReason: string | null = null;
  revisions = 0;
  decision: ServiceOrderDecision | null = null;
  closedAt: number | null = null;
  payout: { net: Micro; fee: Micro } | null = null;
  refunded: Micro | null = null;
  /** When a pending order expires; null for an order without deadlines (recorded before them). */
  readonly acceptBy: number | null;
  /** Closed by a deadline rather than by a party (expired, or cancelled overdue): both are told. */
  closedByDeadline = false;
  /** Transitions taken / recorded (with their money): an update answers once its own is recorded. */
  version = 0;
  applied = 0;

  /**
   * `deadlines`: whether the order bounds its pending and overdue waits (the workflow's
   * `service-order-deadlines` patch; false replays an order recorded before them, which waited
   * only for its review window).
   */
  constructor(
    readonly input: ServiceOrderInput,
    startedAt: number,
    readonly deadlines = false,
  ) {
    super();
    this.deliverBy = startedAt + input.deliveryHours * HOUR_MS;
    this.acceptBy = deadlines
      ? startedAt + (input.acceptWindowMs ?? SERVICE_ORDER_DEADLINE_DEFAULTS.acceptHours * HOUR_MS)
      : null;
  }

  /** An accepted order not delivered by then is cancelled (null: no such deadline). */
  get overdueCancelAt(): number | null {
    if (!this.deadlines) return null;
    return (
      this.deliverBy +
      (this.input.overdueGraceMs ?? SERVICE_ORDER_DEADLINE_DEFAULTS.overdueGraceHours * HOUR_MS)
    );
  }

  /**
   * The durable deadline of the current state, or null for none: pending → `acceptBy`; accepted →
   * `deliverBy` + the grace; delivered → the review deadline. Without deadlines only the review.
   */
  deadline(): number | null {
    switch (this.status) {
      case 'pending':
        return this.acceptBy;
      case 'accepted':
        return this.overdueCancelAt;
      case 'delivered':
        return this.reviewDeadline;
      default:
        return null;
    }
  }

  /**
   * The deadline of the current state passed with no step taken: what silence means, dated at
   * the deadline itself — a pending order expires, an overdue one is cancelled (both refunded in
   * full), a delivery is approved.
   */
  deadlinePassed(): void {
    const at = this.deadline();
    if (at === null) throw new Error(`service order ${this.status} has no deadline`);
    if (this.status === 'delivered') return this.autoApprove();
    this.closedByDeadline = true;
    this.close(this.status === 'pending' ? 'expired' : 'cancelled', at);
  }

  get final(): boolean {
    return SERVICE_ORDER_FINAL.includes(this.status);
  }

  // ── the seller ──

  validateAccept(a: ActorInput): void {
    this.asSeller(a, 'pending');
  }
  accept(now: number): void {
    this.status = 'accepted';
    this.acceptedAt = now;
    this.version++;
  }

  validateDecline(a: ActorInput): void {
    this.asSeller(a, 'pending');
  }
  decline(now: number): void {
    this.close('declined', now);
  }

  validateDeliver(d: DeliverInput): void {
    this.asSeller(d, 'accepted');
  }
  /** Delivered at `now`: the review window of the price tier (as for tasks) starts. */
  deliver(d: DeliverInput, now: number): void {
    this.status = 'delivered';
    this.deliveredAt = now;
    this.deliveryMessage = safeRecordedText(d.message, SERVICE_LIMITS.maxMessage);
    this.reviewDeadline = now + (this.input.reviewWindowMs ?? reviewWindowMs(this.input.price));
    this.version++;
  }

  // ── the buyer ──

  validateApprove(a: ActorInput): void {
    this.asBuyer(a, 'delivered');
  }
  approve(now: number): void {
    this.decide('approved', now);
  }

  /** Silence until the review deadline is approval, dated at the deadline itself. */
  autoApprove(): void {
    this.decide('auto_approved', this.reviewDeadline!);
  }

  validateRevision(r: RevisionInput): void {
    this.asBuyer(r, 'delivered');
    if (this.revisions >= SERVICE_LIMITS.maxRevisions) throw businessFailure('service_order_revisions_used');
  }
  /** Back to the seller; it gets a full delivery period again from now. */
  requestRevision(r: RevisionInput, now: number): void {
    this.status = 'accepted';
    this.revisionReason = safeRecordedText(r.reason, SERVICE_LIMITS.maxReason);
    this.revisions++;
    this.reviewDeadline = null;
    this.deliverBy = Math.max(this.deliverBy, now + this.input.deliveryHours * HOUR_MS);
    this.version++;
  }

  /** A pending order any time; an accepted one once its delivery is overdue. */
  validateCancel(a: ActorInput, now: number): void {
    failIf(mayActAsBuyer(this.input, a?.actorId));
    if (this.status === 'pending') return;
    if (this.status !== 'accepted') throw alreadyIs(this.status);
    if (now < this.deliverBy) throw businessFailure('service_order_not_overdue');
  }
  cancel(now: number): void {
    this.close('cancelled', now);
  }

  // ── money and the read model ──

  /** What the main loop still owes: the payout of a completed order, the refund of a closed one. */
  owes(): 'payout' | 'refund' | null {
    if (this.status === 'completed' && this.payout === null) return 'payout';
    if (this.final && this.status !== 'completed' && this.refunded === null) return 'refund';
    return null;
  }
  paid(p: { net: Micro; fee: Micro }): void {
    this.payout = { net: p.net, fee: p.fee };
  }
  refundedAll(amount: Micro): void {
    this.refunded = amount;
  }

  record(): ServiceOrderRecord {
    return {
      orderId: this.input.orderId,
      status: this.status,
      acceptedAt: isoOrNull(this.acceptedAt),
      deliverBy: iso(this.deliverBy),
      deliveredAt: isoOrNull(this.deliveredAt),
      deliveryMessage: this.deliveryMessage,
      reviewDeadline: isoOrNull(this.reviewDeadline),
      revisionReason: this.revisionReason,
      revisions: this.revisions,
      decision: this.decision,
      closedAt: isoOrNull(this.closedAt),
      payoutNet: this.payout?.net ?? null,
      payoutFee: this.payout?.fee ?? null,
      refunded: this.refunded,
    };
  }

  view(): ServiceOrderState {
    const { orderId: _id, ...rest } = this.record();
    return {
      orderId: this.input.orderId,
      price: this.input.price,
      acceptBy: isoOrNull(this.acceptBy),
      ...rest,
    };
  }

  private decide(decision: ServiceOrderDecision, at: number): void {
    this.decision = decision;
    this.close('completed', at);
  }

  private close(status: ServiceOrderStatus, at: number): void {
    this.status = status;
    this.closedAt = at;
    this.version++;
  }

  private asSeller(a: ActorInput, status: ServiceOrderStatus): void {
    failIf(mayActAsSeller(this.input, a?.actorId));
    if (this.status !== status) throw alreadyIs(this.status);
  }

  private asBuyer(a: ActorInput, status: ServiceOrderStatus): void {
    failIf(mayActAsBuyer(this.input, a?.actorId));
    if (this.status !== status) throw alreadyIs(this.status);
  }
}
