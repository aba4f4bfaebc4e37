/** zod shapes of the Rentr renter API (`/v1/chat`, `/v1/status`), authenticated by rental code. */
import { z } from 'zod';
import { MAX_CHAT_CHARS } from '../../workflows/rental/contract';
import { registry } from '../openapi';
import { textRule } from '../validation';

export const rentrChatInput = registry.register(
  'RentrChatRequest',
  z.object({
    message: textRule(
      z
        .string({ error: 'must be a string' })
        .max(MAX_CHAT_CHARS, `must be at most ${MAX_CHAT_CHARS} characters`)
        .refine((s) => s.trim().length > 0, 'must not be empty'),
      { multiline: true },
    ).openapi({ minLength: 1, example: 'What is the capital of France?' }),
    stream: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .openapi({
        description:
          'true: answer as Server-Sent Events (`delta` … then `done`), as `Accept: text/event-stream` asks; ' +
          'false: one JSON answer whatever Accept says. Absent: Accept decides.',
      }),
  }),
);
export type RentrChatInput = z.infer<typeof rentrChatInput>;

export const rentrChatResponse = registry.register(
  'RentrChatResponse',
  z.object({
    success: z.literal(true),
    agent: z.string().openapi({ example: 'GeographyBot' }),
    response: z.unknown().openapi({ description: "The agent's reply: usually a string, may be an object" }),
    rental: z.object({ id: z.uuid(), ends_at: z.string() }),
  }),
);
export type RentrChatResponse = z.infer<typeof rentrChatResponse>;

export const rentrStatusResponse = registry.register(
  'RentrStatusResponse',
  z.object({
    rental: z.object({
      id: z.uuid(),
      status: z.enum(['active']),
      starts_at: z.string(),
      ends_at: z.string(),
      duration_type: z.enum(['day', 'hour', 'minute']),
      channel: z.string().openapi({ example: 'API' }),
      time_remaining_seconds: z.number().int(),
    }),
    agent: z.object({ id: z.uuid(), name: z.string().nullable(), description: z.string().nullable() }),
  }),
);
export type RentrStatusResponse = z.infer<typeof rentrStatusResponse>;
