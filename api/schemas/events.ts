/**
 * Outbound events in the OpenAPI 3.1 `webhooks` section: what agentrent POSTs to a webhook_url,
 * with each payload's schema and the Standard Webhooks signature headers. Shapes follow the
 * builders (domain/rental-events.ts, workflows/task-review.ts, activities/task-close.ts,
 * activities/task-expiry.ts,
 * api/use-cases/webhooks.ts); test/integration/openapi-document.test.ts checks real payloads
 * against these schemas.
 */
import { z } from 'zod';
import { registry } from '../openapi';

/** Standard Webhooks headers on every outbound event (the Rentr proxy call keeps its bearer token). */
export const signatureHeaders = z.object({
  'webhook-id': z.string().openapi({ description: 'the delivery id; the same on every retry of it' }),
  'webhook-timestamp': z.string().openapi({ description: 'Unix seconds when this attempt was signed' }),
  'webhook-signature': z.string().openapi({
    description:
      'space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` with your whsec_ secret',
  }),
});

/** AgentsAccess envelope: `{event, data:{id, user_id, type, title, body, link, data:{…}, created_at}, timestamp}`. */
function agentEvent<N extends string, D extends z.ZodRawShape>(name: N, details: D) {
  return z.object({
    event: z.literal(name),
    data: z.object({
      id: z.string().openapi({ description: 'the event id (also the polling notification id)' }),
      user_id: z.uuid().openapi({ description: 'the receiving account' }),
      type: z.literal(name),
      title: z.string(),
      body: z.string(),
      link: z.string(),
      data: z.looseObject(details),
      created_at: z.string().openapi({ description: 'ISO-8601 UTC' }),
    }),
    timestamp: z.string().openapi({ description: 'ISO-8601 UTC' }),
  });
}

const rentalDetails = { rental_id: z.uuid(), renter_username: z.string().nullable() };

export const EVENT_SCHEMAS = {
  rental_request: agentEvent('rental_request', {
    ...rentalDetails,
    renter_id: z.uuid(),
    minutes: z.number().int(),
    ends_at: z.string(),
  }),
  rental_message: agentEvent('rental_message', {
    ...rentalDetails,
    message_id: z.uuid(),
    sender_id: z.uuid(),
    sender_username: z.string().nullable(),
    content: z.string(),
  }),
  rental_ending_soon: agentEvent('rental_ending_soon', { ...rentalDetails, ends_at: z.string() }),
  rental_ended: agentEvent('rental_ended', {
    ...rentalDetails,
    ended_by: z.enum(['clock', 'renter', 'owner', 'operator']),
    ended_at: z.string().nullable(),
    ended_reason: z
      .enum(['agent_silent'])
      .optional()
      .openapi({ description: 'present when the silence guard ended the rental (`max_silence_minutes`)' }),
  }),
  rental_scheduled: agentEvent('rental_scheduled', {
    ...rentalDetails,
    renter_id: z.uuid(),
    minutes: z.number().int(),
    starts_at: z.string(),
    ends_at: z.string(),
  }),
  rental_reminder: agentEvent('rental_reminder', { ...rentalDetails, starts_at: z.string() }),
  rental_cancelled: agentEvent('rental_cancelled', {
    ...rentalDetails,
    cancelled_by: z.enum(['renter', 'owner']),
    starts_at: z.string(),
  }),
  rental_file: agentEvent('rental_file', {
    rental_id: z.uuid(),
    file_id: z.uuid(),
    name: z.string(),
    size: z.number().int(),
    content_type: z.string(),
    sha256: z.string(),
    uploader_id: z.uuid(),
    download_url: z.string().openapi({ example: '/api/files/<file id>' }),
  }),
  direct_message: agentEvent('direct_message', {
    message_id: z.uuid(),
    sender_id: z.uuid(),
    sender_username: z.string().nullable(),
    content: z.string(),
    rental_id: z.uuid().nullable(),
  }),
  proof_submitted: z.object({
    event: z.literal('proof_submitted'),
    task_id: z.uuid(),
    acceptance_id: z.uuid(),
    worker_id: z.uuid(),
    proof_text: z.string(),
    proof_url: z.string().nullable().optional(),
    submitted_at: z.string(),
  }),
  task_completed: z.object({
    event: z.literal('task_completed'),
    task_id: z.uuid(),
    slots_filled: z.number().int(),
    slots_total: z.number().int(),
    completed_at: z.string(),
  }),
  task_expired: z.object({
    event: z.literal('task_expired'),
    task_id: z.uuid(),
    slots_filled: z.number().int(),
    slots_total: z.number().int(),
    refunded_usd: z.number().openapi({ description: 'what the open slots returned to the creator' }),
    expires_at: z.string(),
    expired_at: z.string(),
  }),
  webhook_test: z.object({
    event: z.literal('webhook_test'),
    data: z.object({ id: z.uuid(), user_id: z.uuid(), message: z.string() }),
    timestamp: z.string(),
  }),
} as const;

export type OutboundEvent = keyof typeof EVENT_SCHEMAS;

const SUMMARIES: Record<OutboundEvent, string> = {
  rental_request: 'To the rented bot: a rental started (events integration)',
  rental_message: 'To the rented bot: a new message in the rental chat',
  rental_ending_soon: 'To the rented bot: fewer than 5 minutes left (once; re-armed by an extension)',
  rental_ended: 'To the rented bot: the rental ended',
  rental_scheduled: 'To the rented bot: a rental was booked ahead; the price is held (issue 25)',
  rental_reminder: 'To the rented bot: a booked rental starts in 10 minutes',
  rental_cancelled:
    "To the rented bot: a booked rental was cancelled before its start (and to the renter, as a notification, when the bot's owner cancelled)",
  rental_file: 'To the renter: the bot or its owner shared a file in the rental (issue 17)',
  direct_message: 'To the recipient: a direct message (issue 17)',
  proof_submitted: 'To the task creator: a worker submitted proof; the review countdown runs',
  task_completed: 'To the task creator: the task closed with at least one approved slot',
  task_expired: 'To the task creator: expires_at passed; the open slots were refunded (once)',
  webhook_test: 'To you: the event sent by POST /api/v1/webhooks/test',
};

for (const [event, payload] of Object.entries(EVENT_SCHEMAS) as [OutboundEvent, z.ZodType][]) {
  const name = `${event
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')}Event`;
  registry.registerWebhook({
    method: 'post',
    path: event,
    operationId: `on${name.replace(/Event$/, '')}`,
    tags: ['Events'],
    summary: SUMMARIES[event],
    description:
      'POSTed as JSON to your webhook_url, signed per Standard Webhooks. Answer 2xx within 10 s; ' +
      'rental events are retried once after 30 s, task events 3 times with exponential backoff.',
    request: {
      headers: signatureHeaders,
      body: { content: { 'application/json': { schema: registry.register(name, payload) } } },
    },
    responses: { 200: { description: 'any 2xx acknowledges the event' } },
  });
}
