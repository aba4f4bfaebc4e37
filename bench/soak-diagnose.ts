/**
 * What the soak prints when it finds a fault, read from Temporal while it still runs: every open
 * workflow whose task keeps failing or whose activity keeps retrying, and the history of each
 * workflow a problem names (its events, and why each failed workflow task failed). The soak keeps
 * its files too (logs/, temporal.db) — a lost lifecycle must leave enough behind to find its cause.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { rentalWorkflowId } from '../workflows/rental/contract';
import { serviceOrderWorkflowId } from '../workflows/service-order/contract';
import { taskWorkflowId } from '../workflows/task/contract';
import { webhookWorkflowId } from '../workflows/webhook-delivery/contract';
import { withdrawalWorkflowId } from '../workflows/withdrawal/contract';

const { EventType, PendingActivityState } = temporal.api.enums.v1;
/** Seconds since a proto timestamp's `seconds` (a Long or a number), 0 when absent. */
function secondsSince(epochSeconds: { toNumber(): number } | number | null | undefined): number {
  if (epochSeconds == null) return 0;
  const at = typeof epochSeconds === 'number' ? epochSeconds : epochSeconds.toNumber();
  return Math.round(Date.now() / 1000 - at);
}
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Which workflow owns what a problem line names, by the words it uses or the ledger subject it
 * quotes (`service_order:<id>`). Most specific first: an order's line may also say "delivered".
 */
const OWNERS: Array<[RegExp, (id: string) => string]> = [
  [/service[ _]order/, serviceOrderWorkflowId],
  [/deliver(y|ies)/, webhookWorkflowId],
  [/rental/, rentalWorkflowId],
  [/task/, taskWorkflowId],
  [/withdrawal/, withdrawalWorkflowId],
];

/** The workflow ids a problem line may be about (its uuids under their owner's id). */
export function candidateIds(problems: string[]): string[] {
  const ids = new Set<string>();
  for (const p of problems) {
    const owner = OWNERS.find(([words]) => words.test(p))?.[1];
    if (owner) for (const id of p.match(UUID) ?? []) ids.add(owner(id));
  }
  return [...ids];
}

const eventName = (t: number | null | undefined) =>
  (EventType[t ?? 0] ?? String(t)).replace(/^EVENT_TYPE_/, '').toLowerCase();

export async function diagnose(address: string, problems: string[], say: (line: string) => void) {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  const client = new Client({ connection });
  try {
    for await (const wf of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
      const d = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
      const raw = d.raw;
      const task = raw.pendingWorkflowTask;
      // Retrying past its third attempt, or scheduled a minute ago and never started.
      const waiting = (raw.pendingActivities ?? []).filter(
        (a) =>
          (a.attempt ?? 0) > 3 ||
          (a.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED &&
            secondsSince(a.scheduledTime?.seconds) > 60),
      );
      if ((task?.attempt ?? 0) > 1 || waiting.length > 0)
        say(
          `stuck? ${wf.workflowId}: workflow task attempt ${task?.attempt ?? 0}; ` +
            waiting
              .map(
                (a) =>
                  `${a.activityType?.name} attempt ${a.attempt}, scheduled ${secondsSince(a.scheduledTime?.seconds)} s ago: ` +
                  (a.lastFailure?.message ?? 'never started'),
              )
              .join('; '),
        );
    }
    for (const id of candidateIds(problems).slice(0, 5)) {
      let history;
      try {
        history = await client.workflow.getHandle(id).fetchHistory();
      } catch (err) {
        say(`${id}: no history (${String(err)})`);
        continue;
      }
      const events = history.events ?? [];
      say(`${id}: ${events.length} events: ${events.map((e) => eventName(e.eventType)).join(' ')}`);
      for (const e of events) {
        const failed = e.workflowTaskFailedEventAttributes;
        if (failed)
          say(`  event ${e.eventId} workflow task failed (${failed.cause}): ${failed.failure?.message}`);
        const rejected = e.workflowExecutionUpdateRejectedEventAttributes;
        if (rejected) say(`  event ${e.eventId} update rejected: ${rejected.failure?.message}`);
      }
    }
  } finally {
    await connection.close();
  }
}
