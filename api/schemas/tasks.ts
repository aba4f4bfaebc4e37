/** Tasks marketplace shapes (RoboRent): inputs validated at the edge, shared by REST and MCP. */
import { z } from 'zod';
import { toMicro } from '../../domain/money';
import { TASK_CATEGORIES, TASK_LIMITS } from '../../domain/task-rules';
import { registry } from '../openapi';
import { CURSOR_FORMAT, pageFields } from './common';
import { textRule, usdtAmount, uuidSchema } from '../validation';

const text = (max: number, multiline = false) =>
  textRule(z.string({ error: 'must be a string' }).trim().max(max, `must be at most ${max} characters`), {
    multiline,
  });

const category = z.enum(TASK_CATEGORIES, { error: `must be one of ${TASK_CATEGORIES.join(', ')}` });

export const createTaskInput = registry.register(
  'CreateTaskInput',
  z.object({
    title: text(TASK_LIMITS.maxTitle).min(1, 'must not be empty'),
    description: text(TASK_LIMITS.maxDescription, true).min(1, 'must not be empty'),
    category,
    reward_usd: usdtAmount({ min: TASK_LIMITS.minRewardUsd })
      .refine(
        (micro) => micro <= toMicro(TASK_LIMITS.maxRewardUsd)!,
        `must be at most ${TASK_LIMITS.maxRewardUsd}`,
      )
      .openapi({
        multipleOf: 0.000001,
        minimum: TASK_LIMITS.minRewardUsd,
        maximum: TASK_LIMITS.maxRewardUsd,
      }),
    slots: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(TASK_LIMITS.minSlots, `must be at least ${TASK_LIMITS.minSlots}`)
      .max(TASK_LIMITS.maxSlots, `must be at most ${TASK_LIMITS.maxSlots}`),
    // Bounds (TASK_MIN_TTL_MINUTES, TASK_MAX_TTL_DAYS) are configuration: checked in createTask.
    expires_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO-8601 timestamp with a time zone' })
      .transform((s) => Date.parse(s))
      .openapi({
        type: 'string',
        format: 'date-time',
        description:
          'When the open slots are refunded and the task becomes `expired`; default 7 days from now (TASK_DEFAULT_TTL_HOURS).',
        example: '2026-02-24T12:00:00Z',
      })
      .optional(),
  }),
);
export type CreateTaskInput = z.infer<typeof createTaskInput>;

export const searchTasksInput = registry.register(
  'SearchTasksInput',
  z.object({
    category: category.optional(),
    min_reward: z
      .number({ error: 'must be a number' })
      .min(0, 'must not be negative')
      .refine((n) => toMicro(n) !== null, 'must have at most 6 decimals')
      .transform((n) => toMicro(n) as number)
      .openapi({ multipleOf: 0.000001, maximum: 1_000_000_000 })
      .optional(),
    limit: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(TASK_LIMITS.maxSearchLimit, `must be at most ${TASK_LIMITS.maxSearchLimit}`)
      .default(20)
      .openapi({ description: `page size, 20 when absent, at most ${TASK_LIMITS.maxSearchLimit}` }),
    cursor: z.string({ error: 'must be a string' }).optional().openapi({
      format: CURSOR_FORMAT,
      description: 'the `next_cursor` of the previous page; absent for the first page',
    }),
    query: text(TASK_LIMITS.maxQuery).optional(),
  }),
);
export type SearchTasksInput = z.infer<typeof searchTasksInput>;

export const taskIdInput = z.object({ task_id: uuidSchema });
export const submissionIdInput = z.object({ task_id: uuidSchema, acceptance_id: uuidSchema });

export const submitProofInput = registry.register(
  'SubmitProofInput',
  z.object({
    proof_text: text(TASK_LIMITS.maxProofText, true).min(1, 'must not be empty'),
    proof_url: textRule(
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .max(TASK_LIMITS.maxProofUrl, `must be at most ${TASK_LIMITS.maxProofUrl} characters`),
    )
      .nullable()
      .optional(),
  }),
);
export type SubmitProofInput = z.infer<typeof submitProofInput>;

export const reviewDecisionInput = registry.register(
  'ReviewDecisionInput',
  z.object({ reason: text(TASK_LIMITS.maxReason, true).optional() }),
);
export type ReviewDecisionInput = z.infer<typeof reviewDecisionInput>;

const timestamp = z.string().openapi({ example: '2026-02-17T12:00:00.000Z' });

export const submissionView = registry.register(
  'TaskSubmission',
  z.object({
    acceptance_id: z.string(),
    task_id: z.string(),
    worker_id: z.string(),
    status: z.enum(['accepted', 'submitted', 'approved', 'rejected', 'expired']),
    accepted_at: timestamp,
    submit_by: timestamp,
    proof_text: z.string().nullable(),
    proof_url: z.string().nullable(),
    submitted_at: timestamp.nullable(),
    review_deadline: timestamp.nullable(),
    decision: z.enum(['approved', 'auto_approved', 'rejected', 'expired']).nullable(),
    decided_at: timestamp.nullable(),
    reason: z.string().nullable(),
    payout_usd: z.number().nullable(),
  }),
);
export type SubmissionView = z.infer<typeof submissionView>;

export const taskView = registry.register(
  'Task',
  z.object({
    id: z.string(),
    creator_id: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    reward_usd: z.number(),
    slots: z.number().int(),
    slots_available: z.number().int(),
    slots_filled: z.number().int(),
    status: z.enum(['open', 'completed', 'cancelled', 'expired']),
    created_at: timestamp,
    cancelled_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    /** Null only for tasks created before tasks expired (they never do). */
    expires_at: timestamp.nullable(),
    expired_at: timestamp.nullable(),
    /** Present for the creator (every submission) and for workers (their own only). */
    submissions: z.array(submissionView).optional(),
  }),
);
export type TaskView = z.infer<typeof taskView>;

export const createTaskResult = registry.register(
  'CreateTaskResult',
  taskView.extend({ success: z.literal(true), escrow_usd: z.number() }),
);
export const searchTasksResult = registry.register(
  'SearchTasksResult',
  z.object({
    tasks: z.array(taskView),
    count: z.number().int().openapi({ description: 'tasks on this page' }),
    ...pageFields,
  }),
);
export const cancelTaskResult = registry.register(
  'CancelTaskResult',
  taskView.extend({ success: z.literal(true), refunded_usd: z.number() }),
);
export const acceptTaskResult = registry.register(
  'AcceptTaskResult',
  z.object({
    success: z.literal(true),
    task_id: z.string(),
    acceptance_id: z.string(),
    status: z.literal('accepted'),
    accepted_at: timestamp,
    submit_by: timestamp,
  }),
);
export const submissionResult = registry.register(
  'SubmissionResult',
  submissionView.extend({ success: z.literal(true) }),
);
