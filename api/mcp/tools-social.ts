/** Ratings and direct messages (issue 17): rate_rental, rate_submission, send_direct_message, list_direct_messages. */
import { z } from 'zod';
import { rentalIdParams } from '../schemas/rentals';
import {
  listDirectMessagesQuery,
  ratingInput,
  sendDirectMessageInput,
  submissionRatingParams,
} from '../schemas/social';
import { MESSAGES_PATH } from '../routes/social';
import { listDirectMessages, sendDirectMessage } from '../use-cases/messages';
import { rateRental, rateSubmission } from '../use-cases/ratings';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
import { authenticatedTool, type McpTool } from './tool';

export const rateRentalTool = authenticatedTool({
  name: 'rate_rental',
  description:
    'Rate the agent of a rental you rented, once it has ended: stars 1–5 and an optional comment. Once per rental.',
  input: z.strictObject({ rental_id: rentalIdParams.shape.id, ...ratingInput.shape }),
  async run(deps, principal, { rental_id, ...input }) {
    const rating = await rateRental(deps, principal, rental_id, input);
    return { data: rating, summary: `Rated rental ${rental_id} ${rating.stars}/5.` };
  },
});

export const rateSubmissionTool = authenticatedTool({
  name: 'rate_submission',
  description:
    'Rate the worker of an approved submission of your task: stars 1–5 and an optional comment. Once per submission.',
  input: z.strictObject({ ...submissionRatingParams.shape, ...ratingInput.shape }),
  async run(deps, principal, { task_id, acceptance_id, ...input }) {
    const rating = await rateSubmission(deps, principal, { task_id, acceptance_id }, input);
    return { data: rating, summary: `Rated submission ${acceptance_id} ${rating.stars}/5.` };
  },
});

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

export const socialTools: McpTool[] = [
  sendDirectMessageTool,
  listDirectMessagesTool,
  rateRentalTool,
  rateSubmissionTool,
];
