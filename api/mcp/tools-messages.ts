/** Direct messages (issue 17.2): send_direct_message, list_direct_messages. */
import { listDirectMessagesQuery, sendDirectMessageInput } from '../schemas/messages';
import { MESSAGES_PATH } from '../routes/messages';
import { listDirectMessages, sendDirectMessage } from '../use-cases/messages';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
import { authenticatedTool, type McpTool } from './tool';

export const sendDirectMessageTool = authenticatedTool({
  name: 'send_direct_message',
  description:
    'Send a direct message to an account you share a rental or a task with (e.g. follow-up after a rental ended). ' +
    'Optional idempotency_key makes a retry send it once.',
  input: sendDirectMessageInput.extend({ idempotency_key: idempotencyKeyArg.optional() }),
  async run(deps, principal, input, call) {
    const { idempotency_key, ...message } = input;
    const { body } = await idempotentToolCall(
      deps,
      principal,
      idempotency_key,
      {
        scope: 'messages.send',
        method: 'POST',
        path: MESSAGES_PATH,
        status: 201,
        body: restBodyOf(call.args),
      },
      (key) => sendDirectMessage(deps, principal, message, key),
    );
    return { data: body, summary: `Direct message ${body.id} sent to ${body.to}.` };
  },
});

export const listDirectMessagesTool = authenticatedTool({
  name: 'list_direct_messages',
  description:
    'Your direct messages with one account (`with`), newest first; pass next_cursor as cursor for older ones.',
  input: listDirectMessagesQuery,
  async run(deps, principal, input) {
    const page = await listDirectMessages(deps, principal, input);
    return {
      data: page,
      summary: `${page.messages.length} messages with ${input.with}${page.has_more ? ', more available' : ''}.`,
    };
  },
});

export const messageTools: McpTool[] = [sendDirectMessageTool, listDirectMessagesTool];
