/** Ratings (issue 17.3): request and response shapes. */
import { z } from 'zod';
import { MAX_STARS, MIN_STARS } from '../../domain/rating-permissions';
import { registry } from '../openapi';
import { textRule, uuidSchema } from '../validation';

export const MAX_RATING_COMMENT = 2000;

export const ratingInput = registry.register(
  'RatingInput',
  z.strictObject({
    stars: z
      .number({ error: 'must be an integer from 1 to 5' })
      .int('must be an integer from 1 to 5')
      .min(MIN_STARS, 'must be an integer from 1 to 5')
      .max(MAX_STARS, 'must be an integer from 1 to 5'),
    comment: textRule(
      z
        .string({ error: 'must be a string' })
        .trim()
        .max(MAX_RATING_COMMENT, `must be at most ${MAX_RATING_COMMENT} characters`),
      { multiline: true },
    ).optional(),
  }),
);
export type RatingInput = z.infer<typeof ratingInput>;

export const ratingView = registry.register(
  'Rating',
  z.object({
    id: z.uuid(),
    subject: z.enum(['rental', 'task_submission']),
    subject_id: z.uuid(),
    rater_id: z.uuid(),
    ratee_id: z.uuid(),
    stars: z.number().int(),
    comment: z.string().nullable(),
    created_at: z.string(),
  }),
);
export type RatingView = z.infer<typeof ratingView>;

/** `rating` on a profile: the average rounded to 2 decimals (null while count is 0). */
export const ratingSummaryView = z.object({ average: z.number().nullable(), count: z.number().int() });

export const submissionRatingParams = z.object({ task_id: uuidSchema, acceptance_id: uuidSchema });
