/**
 * Dead letters for permanent failures in bookkeeping steps (activities/failures.ts says which
 * failures are permanent). What each workflow does when a step fails for good:
 *
 * - webhook delivery: the delivery is settled as `failed` (dead-lettered, reason in last_error),
 *   its successor of the same subject is released, and an alert is recorded — one receiver's
 *   unrecordable answer never blocks the deliveries queued behind it;
 * - deposit, withdrawal, deposit watcher: an alert is recorded and the workflow fails (Temporal
 *   keeps the failed run, an operator fixes the cause and resets it). No money moved in the failed step (each posting is one statement); funds held for a
 *   withdrawal stay held until an operator resolves the alert.
 *
 * Alerts go to operator_alerts (one open row per kind and subject: a retried activity records
 * once). Their texts are made storable first: the failure may itself be an unstorable value.
 */
import { withTransaction } from '../db/pool';
import { subjectLockKey } from '../services/webhook-enqueue';
import type { ActivityDeps } from './deps';
import { deadLetterDelivery, deliverySubjectOf, deliveryWaitingOn, lockWebhookSubject } from '../db/webhooks';
import { insertOperatorAlert } from '../db/operator-alerts';

export interface OperatorAlertInput {
  kind: string;
  /** What failed, e.g. the workflow id and the step: one open alert per (kind, subject). */
  subject: string;
  errorType: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface DeadLetterDeliveryInput {
  deliveryId: string;
  workflowId: string;
  errorType: string;
  message: string;
}

const MAX_TEXT = 2000;

/** Text Postgres accepts: no NUL, no lone surrogates, bounded. */
export function storableText(text: string): string {
  return text
    .replaceAll('\u0000', '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .slice(0, MAX_TEXT);
}

export function createOperatorAlertActivities({ db, logger }: ActivityDeps) {
  /** Into the operator_alerts table of migration 6000 (also used by the withdrawal alerts). */
  async function raiseOperatorAlert(input: OperatorAlertInput): Promise<void> {
    const details = input.details ? ` ${JSON.stringify(input.details)}` : '';
    await insertOperatorAlert(
      db,
      storableText(input.kind),
      storableText(input.subject),
      storableText(`${input.errorType}: ${input.message}${details}`),
    );
    logger.error(
      { alert: input.kind, subject: input.subject, errorType: input.errorType },
      'operator alert: a workflow step failed for good',
    );
  }

  return {
    raiseOperatorAlert,

    /**
     * Settles a delivery whose attempt cannot be recorded as `failed`, and answers the delivery of
     * the same subject waiting for it (if any) so the workflow can release it.
     */
    async deadLetterWebhookDelivery(input: DeadLetterDeliveryInput): Promise<{ successorId: string | null }> {
      const successorId = await withTransaction(db, async (tx) => {
        const d = await deliverySubjectOf(tx, input.deliveryId);
        if (!d.rows[0]) return null;
        // Same lock as enqueue: a successor is either visible here, or it sees this delivery settled.
        await lockWebhookSubject(tx, subjectLockKey(d.rows[0].account_id, d.rows[0].subject));
        await deadLetterDelivery(
          tx,
          input.deliveryId,
          storableText(`dead-lettered: ${input.errorType}: ${input.message}`),
        );
        const s = await deliveryWaitingOn(tx, input.deliveryId);
        return s.rows[0]?.id ?? null;
      });
      await raiseOperatorAlert({
        kind: 'webhook_delivery_dead_lettered',
        subject: input.workflowId,
        errorType: input.errorType,
        message: input.message,
        details: { delivery_id: input.deliveryId },
      });
      return { successorId };
    },
  };
}
