/**
 * Temporal's view of `/v1/chat` (bench:rentals with BENCH_TRACE=1): what one chat costs the
 * rental workflow — workflow tasks, activity tasks, local-activity markers per chat over the run —
 * and the timeline of the last chat, each history event with its offset from the update's arrival.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const typeOf = (e: HistoryEvent) =>
  temporal.api.enums.v1.EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, '');

const msOf = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);

/** Prints the per-chat counts and the last chat's timeline of `rental-<rentalId>`. */
export async function traceChats(client: Client, workflowId: string, chats: number): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (type: string) => events.filter((e) => typeOf(e) === type).length;
  const updates = events.filter(
    (e) =>
      typeOf(e) === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED' &&
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'chatWithAgent',
  ).length;
  const per = (n: number) => (n / Math.max(1, updates)).toFixed(2);
  console.log(
    `    history: ${events.length} events for ${updates} chats (${chats} timed); per chat: ` +
      `${per(count('WORKFLOW_TASK_COMPLETED'))} workflow tasks, ${per(count('ACTIVITY_TASK_SCHEDULED'))} activity tasks, ` +
      `${per(count('MARKER_RECORDED'))} local activities`,
  );
  if (updates === 0) {
    console.log(
      '    no chat went through the workflow (proxy chats run in the API: api/use-cases/chat-relay.ts)',
    );
    return;
  }
  const last = events.map(typeOf).lastIndexOf('WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
  // (the last update accepted is a chat: nothing but chats is sent to the rental after its start)
  // The chat's workflow task was scheduled before the update was accepted (same task).
  const from = Math.max(0, events.map(typeOf).lastIndexOf('WORKFLOW_TASK_SCHEDULED', last));
  const t0 = msOf(events[from]);
  console.log('    last chat, Temporal history (ms from its workflow task being scheduled):');
  for (const e of events.slice(from)) console.log(`      +${String(msOf(e) - t0).padStart(4)} ${typeOf(e)}`);
}
