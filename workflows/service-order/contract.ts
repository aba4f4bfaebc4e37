/**
 * The contract of a service order: `service-order-<order_id>` owns the order's escrow from the
 * order until it is paid out or refunded. Ids, messages, input and view types and the start
 * options. Importable by workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { fromMicro, type Micro } from '../../domain/money';
import type { ServiceOrderRecord } from '../../domain/service-orders';
import { SA } from '../../domain/search-attributes';
import type { StartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked in
 * workflows/contract-checks.ts), never renamed (recorded histories name it).
 */
export const SERVICE_ORDER_WORKFLOW_TYPE = 'serviceOrderWorkflow';
export type ServiceOrderWorkflow = (input: ServiceOrderInput) => Promise<ServiceOrderState>;

export const SERVICE_ORDER_WORKFLOW_KIND = 'service-order';
export const serviceOrderWorkflowId = (orderId: string) => `service-order-${orderId}`;

export interface ServiceOrderInput {
  orderId: string;
  serviceId: string;
  buyerId: string;
  sellerId: string;
  /** The service's title when ordered. */
  title: string;
  brief: string;
  /** The service's price when ordered, micro-USDT. */
  price: Micro;
  deliveryHours: number;
  /** Replaces the price tier's review window (TASK_REVIEW_WINDOW_SECONDS: tests only). */
  reviewWindowMs?: number;
  /**
   * A pending order the seller has not answered this long after the order expires, refunded
   * (SERVICE_ORDER_ACCEPT_HOURS; absent in orders started before the key: the default).
   */
  acceptWindowMs?: number;
  /**
   * An accepted order still undelivered this long past `deliver_by` is cancelled, refunded
   * (SERVICE_ORDER_OVERDUE_GRACE_HOURS; absent: the default).
   */
  overdueGraceMs?: number;
}

/** The workflow's state: the record the read model gets, the price it holds, when it expires. */
export interface ServiceOrderState extends ServiceOrderRecord {
  price: Micro;
  /** ISO-8601: when a still-pending order expires (null: an order recorded before the deadlines). */
  acceptBy: string | null;
}

/** Who acts (the API passes the caller's account id); the workflow checks the role. */
export interface ActorInput {
  actorId: string;
}
export interface DeliverInput extends ActorInput {
  message: string;
}
export interface RevisionInput extends ActorInput {
  reason: string;
}

/** Update-with-start: answers once the row and the escrow exist, or fails with the hold's error (402). */
export const serviceOrderOpenedUpdate = defineUpdate<ServiceOrderState>('serviceOrderOpened');
/** The seller takes the order; the delivery clock keeps running from the order. */
export const acceptServiceOrderUpdate = defineUpdate<ServiceOrderState, [ActorInput]>('acceptServiceOrder');
/** The seller turns it down: the price goes back to the buyer before this answers. */
export const declineServiceOrderUpdate = defineUpdate<ServiceOrderState, [ActorInput]>('declineServiceOrder');
/** The seller delivers: the review window starts. */
export const deliverServiceOrderUpdate = defineUpdate<ServiceOrderState, [DeliverInput]>(
  'deliverServiceOrder',
);
/** The buyer approves: the seller is paid (price − fee) before this answers. */
export const approveServiceOrderUpdate = defineUpdate<ServiceOrderState, [ActorInput]>('approveServiceOrder');
/** The buyer asks for changes: back to accepted, with a new delivery deadline. */
export const requestRevisionUpdate = defineUpdate<ServiceOrderState, [RevisionInput]>(
  'requestServiceOrderRevision',
);
/** The buyer cancels a pending order, or an accepted one past its delivery deadline: refunded. */
export const cancelServiceOrderUpdate = defineUpdate<ServiceOrderState, [ActorInput]>('cancelServiceOrder');
export const serviceOrderStateQuery = defineQuery<ServiceOrderState>('serviceOrderState');

export const serviceOrderSummary = (input: ServiceOrderInput, max = 80) =>
  `Service order "${input.title.slice(0, max)}": ${fromMicro(input.price)} USDT, buyer ${input.buyerId}, seller ${input.sellerId}`;

/** Options of every order's start: search attributes, memo and summary, and the id policies. */
export function serviceOrderStartOptions(
  input: ServiceOrderInput,
  taskQueue: string,
): StartOptions<ServiceOrderWorkflow> {
  return {
    workflowId: serviceOrderWorkflowId(input.orderId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // Within the budget (domain/search-attributes.ts): no new keys.
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: SERVICE_ORDER_WORKFLOW_KIND },
      { key: SA.BusinessStatus, value: 'pending' },
      { key: SA.SubjectId, value: input.orderId },
      { key: SA.AgentId, value: input.sellerId },
      { key: SA.AccountIds, value: [input.buyerId, input.sellerId] },
      { key: SA.AmountMicro, value: input.price },
    ],
    staticSummary: serviceOrderSummary(input, 60),
    memo: { summary: serviceOrderSummary(input) },
  };
}
