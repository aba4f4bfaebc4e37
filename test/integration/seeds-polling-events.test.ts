/**
 * Issue 15, through the real stack: polling bots hear every rental event as a notification, events
 * follow the bot's current profile, `/v1/status` speaks Rentr's vocabulary, a late polling-bot
 * reply reaches the next `/v1/chat` answer, `task_completed` fires on an early close with a paid
 * slot, and one condition has one text whichever layer refuses.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient, createFundedAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { approveSubmissionUpdate, taskReviewWorkflowId } from '../../workflows/task/contract';

type Json = Record<string, unknown>;

interface Notification {
  id: string;
  user_id: string;
  type: string;
  title: string;
  body: string;
  link: string;
  data: Json & { rental_id: string };
  created_at: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('seed fidelity: events, status, late replies, task_completed, error texts', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  let taskHooks: http.Server;
  let taskHookUrl: string;
  const taskEvents: Json[] = [];

  beforeAll(async () => {
    // A short request deadline keeps the "bot replies after the chat gave up" case fast.
    stack = await startStack({
      config: {
        REQUEST_DEADLINE_MS: '6000',
        RATE_LIMIT_KEY_PREFIX: `seeds-a-${randomUUID().slice(0, 8)}`,
      },
    });
    agent = await startAgentReceiver(() => ({ body: { ok: true } }));
    taskHooks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        taskEvents.push(JSON.parse(body) as Json);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => taskHooks.listen(0, '127.0.0.1', r));
    taskHookUrl = `http://127.0.0.1:${(taskHooks.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await agent?.close();
    await new Promise((r) => taskHooks?.close(r));
    await stack?.stop();
  });

  /** Polls `GET /api/agents/me/pending` like the seed's bot, collecting notifications. */
  function pendingPoller(bot: TestAccount) {
    const botApi = apiClient(stack.url, bot.apiKey);
    const seen: Notification[] = [];
    // Notifications stay unread until acknowledged: each poll passes the cursor the last one gave.
    let cursor: string | undefined;
    const poll = async () => {
      const query = cursor === undefined ? '' : `?after=${cursor}`;
      const res = await botApi<{ notifications: Notification[]; next_cursor: string }>(
        'GET',
        `/api/agents/me/pending${query}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.notifications);
      cursor = res.body.next_cursor;
      return res.body.notifications;
    };
    const until = async (predicate: () => boolean, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!predicate() && Date.now() < deadline) {
        await poll();
        if (!predicate()) await sleep(200);
      }
      expect(predicate()).toBe(true);
    };
    return { seen, poll, until, has: (type: string) => seen.some((n) => n.type === type) };
  }

  it('tells a polling bot rental_request, rental_ending_soon, rental_message and rental_ended once each, in order, shaped as the webhook data', async () => {
    // A 3-minute rental warns at once.
    const { rental, bot, renter } = await startRental(stack, { integration: 'events' }, 3);
    const renterApi = apiClient(stack.url, renter.apiKey);
    const bots = pendingPoller(bot);
    await bots.until(() => bots.has('rental_ending_soon'));
    const posted = await renterApi<{ id: string }>('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'Summarize this paper for me',
    });
    expect(posted.status).toBe(201);
    await bots.until(() => bots.has('rental_message'));
    expect((await renterApi('POST', `/api/rentals/${rental.id}/end`, {})).status).toBe(200);
    await bots.until(() => bots.has('rental_ended'));

    expect(bots.seen.map((n) => n.type)).toEqual([
      'rental_request',
      'rental_ending_soon',
      'rental_message',
      'rental_ended',
    ]);
    expect(new Set(bots.seen.map((n) => n.id)).size).toBe(4);
    const [request, endingSoon, message, ended] = bots.seen;
    const base = (type: string) => ({
      id: expect.any(String),
      user_id: bot.id,
      type,
      title: expect.any(String),
      body: expect.any(String),
      link: `/rentals/${rental.id}/chat`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(request).toEqual({
      ...base('rental_request'),
      data: {
        rental_id: rental.id,
        renter_id: renter.id,
        renter_username: renter.username,
        minutes: 3,
        ends_at: rental.ends_at,
      },
    });
    expect(endingSoon).toEqual({
      ...base('rental_ending_soon'),
      data: { rental_id: rental.id, renter_username: renter.username, ends_at: rental.ends_at },
    });
    expect(message).toEqual({
      ...base('rental_message'),
      title: `New rental message from ${renter.username}`,
      body: 'Summarize this paper for me',
      data: {
        rental_id: rental.id,
        message_id: posted.body.id,
        sender_id: renter.id,
        sender_username: renter.username,
        renter_username: renter.username,
        content: 'Summarize this paper for me',
      },
    });
    expect(ended).toEqual({
      ...base('rental_ended'),
      data: {
        rental_id: rental.id,
        renter_username: renter.username,
        ended_by: 'renter',
        ended_at: expect.any(String),
      },
    });
    // Handed out once: marked read when returned.
    expect(await bots.poll()).toEqual([]);
  });

  it('sends a rental’s later events to a webhook_url set during it, and back to notifications once it is removed', async () => {
    const { rental, bot, renter } = await startRental(stack, { integration: 'events' }, 30);
    const botApi = apiClient(stack.url, bot.apiKey);
    const renterApi = apiClient(stack.url, renter.apiKey);
    const bots = pendingPoller(bot);
    const pushed = () =>
      agent.requests
        .map((r) => r.body as { event: string; data: { data: Json } })
        .filter((b) => b.data?.data?.rental_id === rental.id);
    const say = async (content: string) =>
      expect((await renterApi('POST', `/api/rentals/${rental.id}/messages`, { content })).status).toBe(201);

    expect((await botApi('PATCH', '/api/agents/me', { webhook_url: agent.url })).status).toBe(200);
    await say('while subscribed');
    for (let i = 0; i < 100 && pushed().length === 0; i++) await sleep(100);
    expect(pushed().map((b) => [b.event, b.data.data.content])).toEqual([
      ['rental_message', 'while subscribed'],
    ]);

    expect((await botApi('PATCH', '/api/agents/me', { webhook_url: null })).status).toBe(200);
    await say('after unsubscribing');
    await bots.until(() => bots.has('rental_message'));
    expect(bots.seen.map((n) => [n.type, n.data.content])).toEqual([
      ['rental_request', undefined],
      ['rental_message', 'after unsubscribing'],
    ]);
    await sleep(500);
    expect(pushed()).toHaveLength(1);
  });

  it('reports a rental in its last 5 minutes as active on /v1/status, and 403 once it ended', async () => {
    const { rental, renter } = await startRental(stack, { integration: 'events' }, 3);
    const renterApi = apiClient(stack.url, renter.apiKey);
    for (let i = 0; i < 100; i++) {
      const row = await renterApi<{ status: string }>('GET', `/api/rentals/${rental.id}`);
      if (row.body.status === 'ending_soon') break;
      await sleep(100);
    }
    expect((await renterApi<{ status: string }>('GET', `/api/rentals/${rental.id}`)).body.status).toBe(
      'ending_soon',
    );
    const rentr = rentrCall(stack, rental.code);
    const live = await rentr<{ rental: { status: string } }>('GET', '/v1/status');
    expect(live.status).toBe(200);
    expect(live.body.rental.status).toBe('active');

    expect((await renterApi('POST', `/api/rentals/${rental.id}/end`, {})).status).toBe(200);
    expect(await rentr('GET', '/v1/status')).toMatchObject({
      status: 403,
      body: { error: 'Rental not active' },
    });
  });

  it('hands a polling bot’s reply that came after /v1/chat gave up to the renter with the next /v1/chat answer', async () => {
    const { rental, bot, renter } = await startRental(stack, { integration: 'events' }, 30);
    const botApi = apiClient(stack.url, bot.apiKey);
    const rentr = rentrCall(stack, rental.code);

    const first = await rentr('POST', '/v1/chat', { message: 'first question' });
    expect(first.status).toBe(503);
    expect(
      (await botApi('POST', `/api/rentals/${rental.id}/messages`, { content: 'late answer' })).status,
    ).toBe(201);

    const second = rentr<{ response: string }>('POST', '/v1/chat', { message: 'second question' });
    await sleep(1000);
    expect(
      (await botApi('POST', `/api/rentals/${rental.id}/messages`, { content: 'second answer' })).status,
    ).toBe(201);
    expect(await second).toMatchObject({
      status: 200,
      body: {
        success: true,
        response: 'late answer\n\nsecond answer',
        rental: { id: rental.id },
      },
    });

    // Handed out once: the next answer carries only its own reply.
    const third = rentr<{ response: string }>('POST', '/v1/chat', { message: 'third question' });
    await sleep(1000);
    await botApi('POST', `/api/rentals/${rental.id}/messages`, { content: 'third answer' });
    expect((await third).body.response).toBe('third answer');

    const transcript = await apiClient(stack.url, renter.apiKey)<{ messages: Array<{ content: string }> }>(
      'GET',
      `/api/rentals/${rental.id}/messages`,
    );
    expect(transcript.body.messages.map((m) => m.content)).toEqual([
      'first question',
      'late answer',
      'second question',
      'second answer',
      'third question',
      'third answer',
    ]);
  });

  it('answers a /v1/chat the bot leaves unanswered with the late replies waiting, instead of a 503', async () => {
    const { rental, bot } = await startRental(stack, { integration: 'events' }, 30);
    const botApi = apiClient(stack.url, bot.apiKey);
    const rentr = rentrCall(stack, rental.code);
    expect((await rentr('POST', '/v1/chat', { message: 'first question' })).status).toBe(503);
    await botApi('POST', `/api/rentals/${rental.id}/messages`, { content: 'late answer' });
    expect(await rentr('POST', '/v1/chat', { message: 'second question' })).toMatchObject({
      status: 200,
      body: { success: true, response: 'late answer' },
    });
  });

  it('sends task_completed with the real slots_filled and slots_total when a task with one paid slot is cancelled', async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot', webhookUrl: taskHookUrl });
    const worker = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const creatorApi = apiClient(stack.url, creator.apiKey);
    const workerApi = apiClient(stack.url, worker.apiKey);
    const task = await creatorApi<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Follow @agentrent',
      description: 'Follow the account and reply with a link to your profile',
      category: 'social',
      reward_usd: 1.5,
      slots: 2,
    });
    expect(task.status).toBe(201);
    const taskId = task.body.id;
    const acc = await workerApi<{ acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${taskId}/accept`,
      undefined,
      { 'Idempotency-Key': randomUUID() },
    );
    expect(acc.status).toBe(200);
    const submitted = await workerApi(
      'POST',
      `/api/v1/agent/tasks/${taskId}/submit`,
      { proof_text: 'Done' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(submitted.status).toBe(200);
    const approved = await creatorApi(
      'POST',
      `/api/v1/agent/tasks/${taskId}/submissions/${acc.body.acceptance_id}/approve`,
      { reason: 'checked' },
    );
    expect(approved.status).toBe(200);
    expect((await creatorApi('POST', `/api/v1/agent/tasks/${taskId}/cancel`)).status).toBe(200);

    const completed = () => taskEvents.find((e) => e.event === 'task_completed' && e.task_id === taskId);
    for (let i = 0; i < 150 && !completed(); i++) await sleep(100);
    expect(completed()).toEqual({
      event: 'task_completed',
      task_id: taskId,
      slots_filled: 1,
      slots_total: 2,
      completed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    await sleep(500);
    expect(taskEvents.filter((e) => e.event === 'task_completed' && e.task_id === taskId)).toHaveLength(1);
  });

  it('refuses a review by someone other than the task creator with one text over REST and in the workflow', async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const worker = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const creatorApi = apiClient(stack.url, creator.apiKey);
    const workerApi = apiClient(stack.url, worker.apiKey);
    const task = await creatorApi<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Review texts',
      description: 'One condition, one text',
      category: 'social',
      reward_usd: 1,
      slots: 1,
    });
    const acc = await workerApi<{ acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/accept`,
      undefined,
      { 'Idempotency-Key': randomUUID() },
    );
    await workerApi(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submit`,
      { proof_text: 'Done' },
      { 'Idempotency-Key': randomUUID() },
    );
    const rest = await workerApi<{ error: string }>(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submissions/${acc.body.acceptance_id}/approve`,
      { reason: 'self-approval' },
    );
    expect(rest.status).toBe(403);

    const refusal = await stack.client.workflow
      .getHandle(taskReviewWorkflowId(acc.body.acceptance_id))
      .executeUpdate(approveSubmissionUpdate, { args: [{ actorId: worker.id, reason: null }] })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refusal as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).message).toBe(rest.body.error);
    expect(rest.body.error).toBe('only the task creator may review submissions');
  });
});
