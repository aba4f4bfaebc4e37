/** Ratings (issue 17.3): rate_rental, rate_submission. */
import { z } from 'zod';
import { rentalIdParams } from '../schemas/rentals';
import { ratingInput, submissionRatingParams } from '../schemas/ratings';
import { rateRental, rateSubmission } from '../use-cases/ratings';
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

export const ratingTools: McpTool[] = [rateRentalTool, rateSubmissionTool];
