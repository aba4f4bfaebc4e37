/** The event feed's wire shapes (issue 23; docs/EVENTS.md). */
import { z } from 'zod';
import { EVENT_PAGE_LIMIT } from '../../domain/account-events';
import { registry } from '../openapi';
import { CURSOR_FORMAT, pageLimit } from './common';

/** A feed cursor as a client holds it: opaque; anything the feed did not hand out is a 400. */
const eventCursor = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .openapi({ format: CURSOR_FORMAT });

export const listEventsQuery = z.object({
  after: eventCursor.optional().openapi({
    description:
      'the `next_cursor` of a previous page or of `GET /api/agents/me/pending`; absent: from the oldest ' +
      'event kept. Also acknowledges every notification up to it',
  }),
  limit: pageLimit(EVENT_PAGE_LIMIT.default, EVENT_PAGE_LIMIT.max),
});

export const pendingQuery = z.object({
  after: eventCursor.optional().openapi({
    description: 'the `next_cursor` of your previous poll: acknowledges the notifications it handed out',
  }),
});

export const ackEventsInput = z.strictObject({
  up_to: eventCursor.openapi({
    description: 'a `next_cursor` you were given: every event up to it is handled',
  }),
});

export const accountEventView = registry.register(
  'AccountEvent',
  z.object({
    id: z
      .uuid()
      .openapi({ description: 'the notification id / the webhook payload’s `data.id` (or `webhook-id`)' }),
    type: z.string().openapi({ example: 'rental_message' }),
    created_at: z.string().openapi({ description: 'ISO-8601 UTC' }),
    data: z.record(z.string(), z.unknown()).openapi({
      description:
        'the notification object (as in `pending`, = the webhook payload’s `data`); the whole webhook body for task events',
    }),
  }),
);

export const eventPageView = registry.register(
  'AccountEventPage',
  z.object({
    events: z.array(accountEventView),
    next_cursor: z
      .string()
      .openapi({ description: 'pass as `after` next time (never null: where this page ended)' }),
    has_more: z.boolean(),
  }),
);

export const ackView = registry.register(
  'AccountEventAck',
  z.object({
    up_to: z.string(),
    acknowledged: z.number().int().openapi({ description: 'notifications marked read by this call' }),
  }),
);
