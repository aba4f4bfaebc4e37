/**
 * The production workflows on a fresh time-skipping server with stub activities: no Postgres, no
 * devchain, no dev server. Every activity call is recorded (name, input, calling workflow), so a
 * test asserts on what the workflow decided; each test installs the answers it needs with `on`.
 * Stubs are wrapped as activities/index.ts wraps the real ones (failure classification).
 * Let each test's workflows finish rather than terminating them: on the Java time-skipping server a
 * terminated workflow can leave time skipping stalled for the tests after it.
 */
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import { SA } from '../../domain/search-attributes';
import { withFailureClassification } from '../../activities/failures';
import { createTimeSkippingEnv, registerSearchAttributes } from './time-skipping';
import { cachedWorkflowBundle } from './workflow-bundle';

export type ActivityName = keyof Activities;
type Impl<N extends ActivityName> = (...args: Parameters<Activities[N]>) => ReturnType<Activities[N]>;
export type Stubs = { [N in ActivityName]?: Impl<N> };

/**
 * What every rental decision test stubs the same way: state writes and events that do nothing,
 * postings that succeed, a 10 % fee, no chat in flight at the end, no agent to health-check and
 * no minute unavailable. A test file adds what it decides on; its `overrides` win.
 */
export function rentalStubs(overrides: Stubs = {}): Stubs {
  return {
    async checkRentalAgent() {
      return { proxy: false };
    },
    async rentalUnavailableMinutes() {
      return [];
    },
    async recordRentalState() {},
    async deliverRentalEvent() {
      return 'none' as const;
    },
    async postLedger() {
      return { journalId: randomUUID(), created: true };
    },
    async payEarner(p) {
      return { net: p.gross - p.gross / 10, fee: p.gross / 10, referralCommission: 0, referrerId: null };
    },
    async closeTranscript() {
      return null;
    },
    ...overrides,
  };
}

export interface ActivityCall<N extends ActivityName = ActivityName> {
  name: N;
  input: Parameters<Activities[N]>[0];
  workflowId: string;
}

/** Every activity a workflow may call; tsc checks each name against the production registry. */
const NAMES: ActivityName[] = [
  'announceTaskClosed',
  'announceTaskExpired',
  'attemptWebhookDelivery',
  'awaitChainHeads',
  'broadcastWithdrawal',
  'cancelTaskWithRefund',
  'checkDeposit',
  'checkProxyAgentsPage',
  'checkRentalAgent',
  'checkWithdrawalTransfer',
  'commitDepositScan',
  'creditDeposit',
  'deadLetterWebhookDelivery',
  'deliverRentalEvent',
  'describeOwnerWorkflows',
  'expireTaskWithRefund',
  'enqueueWebhook',
  'finalizeWithdrawal',
  'findHeldBalances',
  'holdWithdrawalFunds',
  'isWebhookDeliverySettled',
  'loadAgentEndpoint',
  'loadDepositCursor',
  'markDeposit',
  'notifySolidifiedDeposits',
  'oldestUnansweredMessage',
  'openAcceptance',
  'openTask',
  'payEarner',
  'postLedger',
  'purgeExpiredIdempotencyKeys',
  'raiseOperatorAlert',
  'recordDeposit',
  'recordRentalStarted',
  'recordRentalState',
  'recordTaskDecision',
  'recordTaskSubmission',
  'refundWithdrawal',
  'relayToProxyAgent',
  'rentalUnavailableMinutes',
  'repairHeldBalance',
  'reserveRental',
  'scanDepositBlocks',
  'setWithdrawalStatus',
  'settleTask',
  'signWithdrawal',
  'storeChatMessage',
  'storeMessageInRow',
  'closeTranscript',
  'storeRentalMessage',
  'taskEscrowState',
  'tronBlockId',
  'tronHeads',
];

export interface StubWorker {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Replaces the stubs (after the defaults given to startStubWorker); call in beforeEach. */
  reset(stubs?: Stubs): void;
  /** Installs one stub on top of the current ones. */
  on<N extends ActivityName>(name: N, impl: Impl<N>): void;
  /** The calls one workflow made, in order; optionally only those of one activity. */
  calls(workflowId: string): ActivityCall[];
  calls<N extends ActivityName>(workflowId: string, name: N): Array<ActivityCall<N>>;
  stop(): Promise<void>;
}

/** A non-retryable failure for an activity nobody stubbed: the test fails at once, naming it. */
const unstubbed = (name: string) => async () => {
  throw ApplicationFailure.nonRetryable(`no stub for activity ${name}`, 'UNSTUBBED');
};

export async function startStubWorker(defaults: Stubs = {}): Promise<StubWorker> {
  const env = await createTimeSkippingEnv();
  const taskQueue = `stub-${randomUUID()}`;
  const recorded: ActivityCall[] = [];
  let stubs: Stubs = { ...defaults };
  const dispatch =
    (name: ActivityName) =>
    async (...args: unknown[]): Promise<unknown> => {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      recorded.push({ name, input: args[0], workflowId } as ActivityCall);
      const impl = (stubs[name] ?? unstubbed(name)) as (...a: unknown[]) => Promise<unknown>;
      return impl(...args);
    };
  try {
    await registerSearchAttributes(env);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await cachedWorkflowBundle(require.resolve('../../workflows')),
      activities: withFailureClassification(Object.fromEntries(NAMES.map((n) => [n, dispatch(n)]))),
    });
    const running = worker.run();
    return {
      env,
      taskQueue,
      reset(next: Stubs = {}) {
        stubs = { ...defaults, ...next };
      },
      on(name, impl) {
        stubs = { ...stubs, [name]: impl };
      },
      calls(workflowId: string, name?: ActivityName) {
        return recorded.filter((c) => c.workflowId === workflowId && (name === undefined || c.name === name));
      },
      async stop() {
        worker.shutdown();
        await running;
        await env.teardown();
      },
    } as StubWorker;
  } catch (err) {
    await env.teardown();
    throw err;
  }
}

/** The `BusinessStatus` an operator sees on a workflow in the Temporal UI. */
export async function businessStatusOf(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(SA.BusinessStatus);
}
