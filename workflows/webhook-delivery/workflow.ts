/**
 * One outbound webhook delivery, `webhook-<delivery_id>`: wait for the previous delivery of the
 * same subject to settle (ordering), then attempt per policy — one HTTP POST per attempt, workflow
 * timers between attempts — until delivered or out of attempts.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createWebhookActivities } from '../../activities/webhooks';
import { attemptsOf, WEBHOOK_POLICIES } from '../../domain/webhook-policies';
import { SA } from '../../domain/search-attributes';
import { deadLetterDelivery, retryTransient } from '../failures';
import {
  type WebhookDeliveryInput,
  type WebhookDeliveryResult,
  predecessorSettledSignal,
  webhookWorkflowId,
} from './contract';

type WebhookActivities = ReturnType<typeof createWebhookActivities>;

// The HTTP call is bounded by the policy (≤ 10 s); the margin covers Postgres. Heartbeats during
// the call let a crashed worker's attempt be retried within seconds, with the same attempt number.
// Temporal retries only infrastructure failures: HTTP outcomes come back as values.
const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '45s',
  heartbeatTimeout: '5s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
  }),
});
/**
 * The same attempt as a local activity (input.localAttempt): it runs in the workflow task that
 * decides it, so a delivery is one workflow task — no activity task, no second workflow task to
 * record its result. Same retry policy (bounded), same keyed attempt row: an attempt re-run after a
 * crash answers what was recorded, or makes the same numbered attempt again, as a retried activity
 * does. The SDK keeps the workflow task alive while the POST (≤ 10 s) runs.
 */
const { attemptWebhookDelivery: attemptLocally } = proxyLocalActivities<WebhookActivities>({
  startToCloseTimeout: '45s',
  retry: retryTransient({
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
  }),
});
const { isWebhookDeliverySettled } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '10s',
  retry: retryTransient({ initialInterval: '1s', maximumInterval: '30s' }),
});

/** How often a waiting delivery re-checks its predecessor in case a signal was lost (e.g. it was terminated). */
const PREDECESSOR_RECHECK = '5 minutes';
/** Deliveries recorded before they continued-as-new keep waiting in one run when they replay. */
const CONTINUE_AS_NEW_PATCH = 'webhook-delivery-continue-as-new';

const historyIsLarge = (input: WebhookDeliveryInput) =>
  workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.historyLimit ?? 2000);

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const policy = WEBHOOK_POLICIES[input.policy];
  let predecessorSettled = input.after === null;
  setHandler(predecessorSettledSignal, () => {
    predecessorSettled = true;
  });

  while (!predecessorSettled) {
    if (await isWebhookDeliverySettled(input.after as string)) predecessorSettled = true;
    else if (historyIsLarge(input) && patched(CONTINUE_AS_NEW_PATCH)) {
      // The signal handler only sets the flag: a signal now is seen here, later by the next run
      // (which also re-reads the predecessor's state first).
      await condition(allHandlersFinished);
      if (!predecessorSettled) return await continueAsNew<typeof webhookDeliveryWorkflow>(input);
    } else await condition(() => predecessorSettled, input.predecessorRecheckMs ?? PREDECESSOR_RECHECK);
  }

  const attempts: WebhookDeliveryResult['attempts'] = [];
  const total = attemptsOf(policy);
  for (let attempt = 1; ; attempt++) {
    const startedAt = Date.now();
    const retryInMs = attempt < total ? policy.retryDelaysMs[attempt - 1] : null;
    // The first attempt runs locally when the input says so (from the input, not patched(): no
    // marker per delivery). Retries go to receivers that failed once — the slow ones among them
    // would hold a workflow task slot for the whole POST — so they stay regular activities.
    const attemptOnce = input.localAttempt && attempt === 1 ? attemptLocally : attemptWebhookDelivery;
    const result = await attemptOnce({
      deliveryId: input.deliveryId,
      attempt,
      attemptedAt: new Date(startedAt).toISOString(),
      retryInMs,
    }).catch((err: unknown) => deadLetterDelivery(input.deliveryId, err));
    attempts.push({
      attempt,
      startedAt,
      endedAt: Date.now(),
      outcome: result.outcome,
      status: result.status,
    });
    if (result.state !== 'retrying' || retryInMs === null) {
      upsertSearchAttributes([{ key: SA.BusinessStatus, value: result.state }]);
      if (result.successorId) await releaseSuccessor(result.successorId);
      return { state: result.state === 'delivered' ? 'delivered' : 'failed', attempts };
    }
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'retrying' }]);
    await sleep(retryInMs);
  }
}

async function releaseSuccessor(successorId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(webhookWorkflowId(successorId)).signal(predecessorSettledSignal);
  } catch {
    // Not started yet: it reads this delivery's settled state from Postgres when it starts.
  }
}
