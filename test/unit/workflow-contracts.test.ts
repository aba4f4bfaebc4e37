/**
 * Contract modules (issue 13.1): every start of a workflow gets its options from its contract, so
 * each builder must yield the business-key id, both id policies, the task queue it was given,
 * the input as the only argument, and a `WorkflowKind` search attribute operators filter by.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { SA } from '../../domain/search-attributes';
import { agentHealthStartOptions } from '../../workflows/agent-health/contract';
import {
  type DepositWorkflowInput,
  depositStartOptions,
  depositWatcherStartOptions,
  depositWorkflowId,
} from '../../workflows/deposit/contract';
import {
  auditCompletionStartOptions,
  idempotencyKeyPurgeStartOptions,
} from '../../workflows/maintenance/contract';
import { reconcilerStartOptions } from '../../workflows/reconciler/contract';
import { type RentalInput, rentalStartOptions, rentalWorkflowId } from '../../workflows/rental/contract';
import {
  type TaskInput,
  type TaskReviewInput,
  taskReviewStartOptions,
  taskReviewWorkflowId,
  taskStartOptions,
  taskWorkflowId,
} from '../../workflows/task/contract';
import {
  type WebhookDeliveryInput,
  webhookDeliveryStartOptions,
  webhookWorkflowId,
} from '../../workflows/webhook-delivery/contract';
import {
  type WithdrawalInput,
  withdrawalStartOptions,
  withdrawalWorkflowId,
} from '../../workflows/withdrawal/contract';

const QUEUE = 'contracts-test';

const rental: RentalInput = {
  rentalId: 'r1',
  agentId: 'bot',
  agentName: 'Bot',
  renterId: 'renter',
  renterUsername: 'alice',
  ownerId: 'owner',
  minutes: 30,
  pricePerMinute: 10_000,
  channel: 'API',
  eventsEnabled: false,
  holdFunds: true,
};
const withdrawal: WithdrawalInput = {
  withdrawalId: 'w1',
  accountId: 'acc',
  amount: 25_000_000,
  fee: 1_500_000,
  net: 23_500_000,
  address: 'TAddress',
  reviewTimeoutMs: 1,
  pollIntervalMs: 1,
  fundsRetryMs: 1,
  confirmations: 19,
};
const deposit: DepositWorkflowInput = {
  deposit: {
    txid: 'ab',
    logIndex: 2,
    accountId: 'acc',
    address: 'TAddr',
    from: 'TFrom',
    amount: 5_000_000,
    blockNumber: 7,
    expiration: 0,
  },
  pollIntervalMs: 3000,
  confirmations: 19,
};
const task: TaskInput = {
  taskId: 't1',
  creatorId: 'creator',
  title: 'Label images',
  description: 'd',
  category: 'data',
  reward: 2_000_000,
  slots: 3,
};
const review: TaskReviewInput = {
  taskId: 't1',
  acceptanceId: 'a1',
  creatorId: 'creator',
  workerId: 'worker',
  reward: 2_000_000,
  submitWithinMs: 1,
};
const delivery: WebhookDeliveryInput = {
  deliveryId: 'd1',
  accountId: 'acc',
  policy: 'agent-events',
  after: null,
};

/** Started by the API, activities or the worker on demand: id policies spelled out. */
const started = [
  {
    name: 'rental',
    options: rentalStartOptions(rental, QUEUE),
    id: rentalWorkflowId('r1'),
    input: rental,
    kind: 'rental',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY],
  },
  {
    name: 'withdrawal',
    options: withdrawalStartOptions(withdrawal, QUEUE),
    id: withdrawalWorkflowId('w1'),
    input: withdrawal,
    kind: 'withdrawal',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY],
  },
  {
    name: 'deposit',
    options: depositStartOptions(deposit, QUEUE),
    id: depositWorkflowId('ab', 2),
    input: deposit,
    kind: 'deposit',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.REJECT_DUPLICATE],
  },
  {
    name: 'deposit watcher',
    options: depositWatcherStartOptions(
      { pollIntervalMs: 3000, blocksPerRun: 100 },
      { watcherId: 'deposit-watcher', taskQueue: QUEUE, fullHost: 'http://node' },
    ),
    id: 'deposit-watcher',
    input: { pollIntervalMs: 3000, blocksPerRun: 100 },
    kind: 'deposit-watcher',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.ALLOW_DUPLICATE],
  },
  {
    name: 'task',
    options: taskStartOptions(task, QUEUE),
    id: taskWorkflowId('t1'),
    input: task,
    kind: 'task',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.REJECT_DUPLICATE],
  },
  {
    name: 'task review',
    options: taskReviewStartOptions(review, { title: 'Label images' }, QUEUE),
    id: taskReviewWorkflowId('a1'),
    input: review,
    kind: 'task-review',
    policies: [WorkflowIdConflictPolicy.USE_EXISTING, WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY],
  },
  {
    name: 'webhook delivery',
    options: webhookDeliveryStartOptions(
      delivery,
      { event: 'rental_message', subject: 'rental:r1', targetHost: 'hooks.example' },
      QUEUE,
    ),
    id: webhookWorkflowId('d1'),
    input: delivery,
    kind: 'webhook-delivery',
    policies: [WorkflowIdConflictPolicy.FAIL, WorkflowIdReusePolicy.REJECT_DUPLICATE],
  },
];

/** Started by Temporal Schedules (the schedule id is the id prefix) or directly by an operator. */
const scheduled = [
  { name: 'agent health checks', options: agentHealthStartOptions('ahc', QUEUE), kind: 'agent-health' },
  {
    name: 'idempotency-key purge',
    options: idempotencyKeyPurgeStartOptions('ikp', QUEUE),
    kind: 'maintenance',
  },
  { name: 'audit completion', options: auditCompletionStartOptions('aac', QUEUE), kind: 'maintenance' },
  { name: 'reconciler', options: reconcilerStartOptions('hbr', QUEUE), kind: 'reconciler' },
];

describe.each(started)('When a $name workflow is started through its contract', (c) => {
  it('then its id is the business key and it runs on the given task queue with the input as its argument', () => {
    expect(c.options.workflowId).toBe(c.id);
    expect(c.options.taskQueue).toBe(QUEUE);
    expect(c.options.args).toEqual([c.input]);
  });

  it('then both id policies are spelled out', () => {
    expect([c.options.workflowIdConflictPolicy, c.options.workflowIdReusePolicy]).toEqual(c.policies);
  });

  it('then operators find it by its WorkflowKind and read its summary', () => {
    expect(c.options.typedSearchAttributes).toContainEqual({ key: SA.WorkflowKind, value: c.kind });
    expect(c.options.staticSummary).toEqual(expect.any(String));
    expect(c.options.memo).toHaveProperty('summary');
  });
});

describe.each(scheduled)('When a $name run is started through its contract', (c) => {
  it('then it carries its WorkflowKind, a summary and an execution timeout', () => {
    expect(c.options.taskQueue).toBe(QUEUE);
    expect(c.options.typedSearchAttributes).toEqual([{ key: SA.WorkflowKind, value: c.kind }]);
    expect(c.options.staticSummary).toEqual(expect.any(String));
    expect(c.options.workflowExecutionTimeout).toBeDefined();
  });
});
