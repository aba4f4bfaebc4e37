/**
 * The contract of one outbound webhook delivery (`webhook-<delivery_id>`): ids, the ordering
 * signal, input and result types and the start options. Importable by workflow code and clients.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';
import { SA } from '../../domain/search-attributes';
import type { WebhookPolicyName } from '../../domain/webhooks';
import type { StartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDeliveryWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<WebhookDeliveryResult>;

export interface WebhookDeliveryInput {
  deliveryId: string;
  accountId: string;
  policy: WebhookPolicyName;
  /** The unsettled delivery of the same subject that must settle first, if any. */
  after: string | null;
  /** How often to re-check the predecessor without its signal (default PREDECESSOR_RECHECK). */
  predecessorRecheckMs?: number;
  /** While waiting for the predecessor, continue-as-new once the history has this many events. */
  historyLimit?: number;
  /**
   * The first attempt runs as a local activity, in the workflow task that decides it; retries stay
   * regular activities. Set by every start since issue 21 (services/webhook-enqueue.ts); absent in
   * deliveries started before, which replay their regular activities.
   */
  localAttempt?: boolean;
}

export type DeliveryState = 'delivered' | 'failed';

export interface WebhookDeliveryResult {
  state: DeliveryState;
  /** Workflow times (ms): the wait between attempts runs from one attempt's end to the next's start. */
  attempts: Array<{
    attempt: number;
    startedAt: number;
    endedAt: number;
    outcome: string;
    status: number | null;
  }>;
}

/** Sent by the previous delivery of the same subject when it has settled. */
export const predecessorSettledSignal = defineSignal('predecessorSettled');

export const webhookWorkflowId = (deliveryId: string) => `webhook-${deliveryId}`;

/** What a delivery's memo and summary show besides its input. */
export interface WebhookDeliveryLabel {
  event: string;
  subject: string;
  /** The receiver's host (never the full URL: it may carry a token). */
  targetHost: string;
}

/** Options of every delivery start: search attributes, memo and summary, and the id policies. */
export function webhookDeliveryStartOptions(
  input: WebhookDeliveryInput,
  label: WebhookDeliveryLabel,
  taskQueue: string,
): StartOptions<WebhookDeliveryWorkflow> {
  return {
    taskQueue,
    workflowId: webhookWorkflowId(input.deliveryId),
    // A finished delivery is never sent again under the same id; redelivery is a new delivery.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    args: [input],
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'webhook-delivery' },
      { key: SA.SubjectId, value: input.deliveryId },
      { key: SA.AccountIds, value: [input.accountId] },
      { key: SA.BusinessStatus, value: 'pending' },
    ],
    staticSummary: `Webhook ${label.event} → ${label.targetHost}`,
    memo: {
      summary: `${label.event} → ${label.targetHost} (${input.policy})`,
      event: label.event,
      subject: label.subject,
      policy: input.policy,
    },
  };
}
