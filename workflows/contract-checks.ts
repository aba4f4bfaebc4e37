/**
 * Compile-time proof that each contract names and types its workflow truly. A contract is the
 * bottom of workflows/ and does not import its implementation (docs/ARCHITECTURE.md), so its
 * `XXX_WORKFLOW_TYPE` and `XxxWorkflow` are checked here instead: `npx tsc` fails when a workflow
 * module does not export, under the contract's type name, a function of exactly the contract's
 * type. Nothing imports this module (the worker bundles workflows/index.ts).
 */
import type { AGENT_HEALTH_WORKFLOW_TYPE, AgentHealthChecksWorkflow } from './agent-health/contract';
import type * as agentHealthChecksWorkflow from './agent-health/workflow';
import type { DEPOSIT_WORKFLOW_TYPE, DepositWorkflow } from './deposit/contract';
import type * as depositWorkflow from './deposit/workflow';
import type { DEPOSIT_WATCHER_WORKFLOW_TYPE, DepositWatcherWorkflow } from './deposit/contract';
import type * as depositWatcherWorkflow from './deposit/watcher';
import type {
  AUDIT_COMPLETION_WORKFLOW_TYPE,
  CompleteOpenAuditsWorkflow,
  IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
  ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
  PurgeExpiredIdempotencyKeysWorkflow,
  SweepOrphanFileBlobsWorkflow,
} from './maintenance/contract';
import type * as purgeExpiredIdempotencyKeysWorkflow from './maintenance/workflow';
import type { RECONCILER_WORKFLOW_TYPE, ReconcilerWorkflow } from './reconciler/contract';
import type * as reconcilerWorkflow from './reconciler/workflow';
import type { RENTAL_WORKFLOW_TYPE, RentalWorkflow } from './rental/contract';
import type * as rentalWorkflow from './rental/workflow';
import type { SERVICE_ORDER_WORKFLOW_TYPE, ServiceOrderWorkflow } from './service-order/contract';
import type * as serviceOrderWorkflow from './service-order/workflow';
import type { TASK_WORKFLOW_TYPE, TaskWorkflow } from './task/contract';
import type * as taskWorkflow from './task/workflow';
import type { TASK_REVIEW_WORKFLOW_TYPE, TaskReviewWorkflow } from './task/contract';
import type * as taskReviewWorkflow from './task/review';
import type { WEBHOOK_DELIVERY_WORKFLOW_TYPE, WebhookDeliveryWorkflow } from './webhook-delivery/contract';
import type * as webhookDeliveryWorkflow from './webhook-delivery/workflow';
import type { WITHDRAWAL_WORKFLOW_TYPE, WithdrawalWorkflow } from './withdrawal/contract';
import type * as withdrawalWorkflow from './withdrawal/workflow';

/** true when module M exports, under the name K, a function of exactly the type F. */
type Implements<M, K extends keyof M, F> = [M[K]] extends [F] ? ([F] extends [M[K]] ? true : false) : false;
type Proven<T extends true> = T;

export type ContractChecks = [
  Proven<
    Implements<typeof agentHealthChecksWorkflow, typeof AGENT_HEALTH_WORKFLOW_TYPE, AgentHealthChecksWorkflow>
  >,
  Proven<Implements<typeof depositWorkflow, typeof DEPOSIT_WORKFLOW_TYPE, DepositWorkflow>>,
  Proven<
    Implements<typeof depositWatcherWorkflow, typeof DEPOSIT_WATCHER_WORKFLOW_TYPE, DepositWatcherWorkflow>
  >,
  Proven<
    Implements<
      typeof purgeExpiredIdempotencyKeysWorkflow,
      typeof IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
      PurgeExpiredIdempotencyKeysWorkflow
    >
  >,
  Proven<
    Implements<
      typeof purgeExpiredIdempotencyKeysWorkflow,
      typeof ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
      SweepOrphanFileBlobsWorkflow
    >
  >,
  Proven<
    Implements<
      typeof purgeExpiredIdempotencyKeysWorkflow,
      typeof AUDIT_COMPLETION_WORKFLOW_TYPE,
      CompleteOpenAuditsWorkflow
    >
  >,
  Proven<Implements<typeof reconcilerWorkflow, typeof RECONCILER_WORKFLOW_TYPE, ReconcilerWorkflow>>,
  Proven<Implements<typeof rentalWorkflow, typeof RENTAL_WORKFLOW_TYPE, RentalWorkflow>>,
  Proven<Implements<typeof serviceOrderWorkflow, typeof SERVICE_ORDER_WORKFLOW_TYPE, ServiceOrderWorkflow>>,
  Proven<Implements<typeof taskWorkflow, typeof TASK_WORKFLOW_TYPE, TaskWorkflow>>,
  Proven<Implements<typeof taskReviewWorkflow, typeof TASK_REVIEW_WORKFLOW_TYPE, TaskReviewWorkflow>>,
  Proven<
    Implements<typeof webhookDeliveryWorkflow, typeof WEBHOOK_DELIVERY_WORKFLOW_TYPE, WebhookDeliveryWorkflow>
  >,
  Proven<Implements<typeof withdrawalWorkflow, typeof WITHDRAWAL_WORKFLOW_TYPE, WithdrawalWorkflow>>,
];
