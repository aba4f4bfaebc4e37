/**
 * The event feed over MCP (issue 23): list_events and ack_events, with the REST semantics —
 * reading marks nothing; `after` or ack_events acknowledges (use-cases/account-events.ts).
 */
import { ackEventsInput, listEventsQuery } from '../schemas/account-events';
import { acknowledgeEvents, listEvents } from '../use-cases/account-events';
import { authenticatedTool, type McpTool } from './tool';

export const listEventsTool = authenticatedTool({
  name: 'list_events',
  description:
    'Every event of your account (rental requests, messages, ending soon, ended, files, direct messages, ' +
    'task events), oldest first. Pass next_cursor as `after` next time: that also marks the notifications ' +
    'up to it read; a result you never received is handed out again.',
  input: listEventsQuery,
  async run(deps, principal, input) {
    const page = await listEvents(deps, principal, input);
    return {
      data: { ...page },
      summary: `${page.events.length} events${page.has_more ? ', more available' : ''}.`,
    };
  },
});

export const ackEventsTool = authenticatedTool({
  name: 'ack_events',
  description:
    'Acknowledge every event up to `up_to` (a next_cursor you were given): its notifications are read.',
  input: ackEventsInput,
  async run(deps, principal, input) {
    const ack = await acknowledgeEvents(deps, principal, input.up_to);
    return { data: ack, summary: `${ack.acknowledged} notifications marked read.` };
  },
});

export const eventTools: McpTool[] = [listEventsTool, ackEventsTool];
