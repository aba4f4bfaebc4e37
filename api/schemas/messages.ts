/** Direct messages (issue 17.2): request and response shapes. */
import { z } from 'zod';
import { registry } from '../openapi';
import { pageQuery } from './common';
import { textRule, uuidSchema } from '../validation';

export const MAX_DIRECT_MESSAGE = 4000;

export const sendDirectMessageInput = registry.register(
  'DirectMessageInput',
  z.strictObject({
    to: uuidSchema,
    content: textRule(
      z
        .string({ error: 'must be a string' })
        .trim()
        .min(1, 'must not be empty')
        .max(MAX_DIRECT_MESSAGE, `must be at most ${MAX_DIRECT_MESSAGE} characters`),
      { multiline: true },
    ),
    rental_id: uuidSchema.optional(),
  }),
);
export type SendDirectMessageInput = z.infer<typeof sendDirectMessageInput>;

export const directMessageView = registry.register(
  'DirectMessage',
  z.object({
    id: z.uuid(),
    from: z.uuid(),
    to: z.uuid(),
    content: z.string(),
    rental_id: z.uuid().nullable(),
    created_at: z.string(),
  }),
);
export type DirectMessageView = z.infer<typeof directMessageView>;

export const listDirectMessagesQuery = z.object({
  with: uuidSchema,
  ...pageQuery().shape,
});
export type ListDirectMessagesQuery = z.infer<typeof listDirectMessagesQuery>;

export const directMessagePage = registry.register(
  'DirectMessagePage',
  z.object({
    messages: z.array(directMessageView),
    next_cursor: z.string().nullable(),
    has_more: z.boolean(),
  }),
);

/** `/api/v1/messages/blocks/{account_id}`: the sender being blocked or unblocked. */
export const dmBlockParams = z.object({ account_id: uuidSchema });

export const dmBlockView = registry.register(
  'DirectMessageBlock',
  z.object({
    account_id: z.uuid(),
    blocked: z.boolean(),
    since: z.string().nullable().openapi({ description: 'when the block began; null once lifted' }),
  }),
);
