/** Direct messages (issue 17.2, 24.2): send_direct_message, list_direct_messages, block_sender, unblock_sender. */
import { z } from 'zod';
import { dmBlockParams, listDirectMessagesQuery, sendDirectMessageInput } from '../schemas/messages';
import { MESSAGES_PATH } from '../routes/messages';
import { blockSender, listDirectMessages, sendDirectMessage, unblockSender } from '../use-cases/messages';
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

// REST takes the account from the path; strict like every tool whose REST route has no body.
const blockInput = z.strictObject(dmBlockParams.shape);

export const blockSenderTool = authenticatedTool({
  name: 'block_sender',
  description:
    'Stop an account (`account_id`) from sending you direct messages; it gets 403 dm_blocked. ' +
    'Blocking again keeps the first block.',
  input: blockInput,
  async run(deps, principal, input) {
    const block = await blockSender(deps, principal, input.account_id);
    return { data: { ...block }, summary: `Account ${block.account_id} blocked since ${block.since}.` };
  },
});

export const unblockSenderTool = authenticatedTool({
  name: 'unblock_sender',
  description: 'Lift your block of an account (`account_id`): it may send you direct messages again.',
  input: blockInput,
  async run(deps, principal, input) {
    const block = await unblockSender(deps, principal, input.account_id);
    return { data: { ...block }, summary: `Account ${block.account_id} unblocked.` };
  },
});

export const messageTools: McpTool[] = [
  sendDirectMessageTool,
  listDirectMessagesTool,
  blockSenderTool,
  unblockSenderTool,
];
