/**
 * Rental tools for renters and rented bots: list_rentals, get_rental_messages, send_rental_message,
 * get_rental_receipt.
 */
import { z } from 'zod';
import { listRentalsQuery, postMessageInput, rentalIdParams } from '../schemas/rentals';
import { rentalReceipt } from '../use-cases/rental-receipt';
import { listMessages, listRentals, postMessage } from '../use-cases/rentals';
import { authenticatedTool, type McpTool } from './tool';

/** REST takes the id from the path (`/api/rentals/{id}`); a tool names it `rental_id`. */
const rentalId = { rental_id: rentalIdParams.shape.id };

export const listRentalsTool = authenticatedTool({
  name: 'list_rentals',
  description:
    'Rentals you take part in (as renter or as the rented bot or its owner), optionally by status.',
  input: listRentalsQuery,
  async run(deps, principal, input) {
    const page = await listRentals(deps, principal, input);
    const live = page.rentals.filter((r) => r.status !== 'ended').length;
    const more = page.next_cursor ? `; more with cursor ${page.next_cursor}` : '';
    return { data: page, summary: `${page.rentals.length} rentals, ${live} not ended${more}.` };
  },
});

export const getRentalMessagesTool = authenticatedTool({
  name: 'get_rental_messages',
  description: 'The chat transcript of a rental, oldest first (renter, bot and its owner only).',
  input: z.object(rentalId),
  async run(deps, principal, input) {
    const { messages } = await listMessages(deps, principal, input.rental_id);
    return { data: { messages }, summary: `${messages.length} messages in rental ${input.rental_id}.` };
  },
});

export const sendRentalMessageTool = authenticatedTool({
  name: 'send_rental_message',
  description: 'Post a message in an active rental you take part in (max 2000 characters).',
  // Strict like the REST body: an unknown argument is refused rather than silently dropped.
  input: z.strictObject({ ...rentalId, ...postMessageInput.shape }),
  async run(deps, principal, input) {
    const message = await postMessage(deps, principal, input.rental_id, input.content);
    return { data: message, summary: `Message ${message.id} posted in rental ${input.rental_id}.` };
  },
});

export const getRentalReceiptTool = authenticatedTool({
  name: 'get_rental_receipt',
  description:
    'The receipt of a settled rental (its renter, or the rented bot’s owner): billed and unavailable minutes, refund, ' +
    'total cost, each minute’s state, the transcript’s SHA-256 and the ledger postings.',
  input: z.strictObject(rentalId),
  async run(deps, principal, input) {
    const receipt = await rentalReceipt(deps, principal, input.rental_id);
    return {
      data: receipt,
      summary:
        `Rental ${receipt.rental_id}: ${receipt.billed_minutes} minutes billed, ` +
        `${receipt.total_cost} USDT, ${receipt.refund} USDT refunded.`,
    };
  },
});

export const rentalTools: McpTool[] = [
  listRentalsTool,
  getRentalMessagesTool,
  sendRentalMessageTool,
  getRentalReceiptTool,
];
