/**
 * Rental events pushed to an `events` agent, through the real webhook delivery workflows: the
 * AgentsAccess sample payload shape, one delivery per event, in order per rental — and a handler in
 * the style of the seed's Flask example (reads `data.data.rental_id` / `content`, replies via the API).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { deliverRentalEvent } from '../../services/rental-events';
import { apiClient, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { type Stack, startStack } from '../harness/stack';

interface EventBody {
  event: string;
  timestamp: string;
  data: {
    id: string;
    user_id: string;
    type: string;
    title: string;
    body: string;
    link: string;
    created_at: string;
    data: Record<string, unknown> & { rental_id: string };
  };
}

describe('rental events to an events agent', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  beforeAll(async () => {
    stack = await startStack();
    agent = await startAgentReceiver(() => ({ body: { ok: true } }));
  });
  afterAll(async () => {
    await agent?.close();
    await stack?.stop();
  });

  const events = () => agent.requests.map((r) => r.body as EventBody);
  async function until(predicate: () => boolean) {
    for (let i = 0; i < 150 && !predicate(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(predicate()).toBe(true);
  }

  it('delivers rental_request, rental_ending_soon, rental_message and rental_ended in order, shaped as the seed', async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      ownerId: owner.id,
      pricePerMinute: 0.1,
      webhookUrl: agent.url,
      integration: 'events',
    });
    const renter = await createFundedAccount(stack.db, 5, { name: `alice-${Date.now()}` });
    const botApi = apiClient(stack.url, bot.apiKey);
    // The seed's Flask handler: reply to each rental_message through the public API.
    agent.respond(async (req) => {
      const payload = req.body as EventBody;
      const data = payload.data.data;
      if (payload.event === 'rental_message')
        await botApi('POST', `/api/rentals/${data.rental_id}/messages`, {
          content: `Working on: ${data.content}`,
        });
      return { body: { ok: true } };
    });

    const renterApi = apiClient(stack.url, renter.apiKey);
    const rental = await renterApi<{ id: string }>('POST', '/api/rentals', { agent_id: bot.id, minutes: 3 });
    expect(rental.status).toBe(201);
    await until(() => events().length >= 2); // a 3-minute rental warns at once
    const posted = await renterApi<{ id: string }>('POST', `/api/rentals/${rental.body.id}/messages`, {
      content: 'Summarize this paper for me',
    });
    await until(() => events().length >= 3);
    const transcript = async () =>
      (
        await renterApi<{ messages: Array<{ content: string }> }>(
          'GET',
          `/api/rentals/${rental.body.id}/messages`,
        )
      ).body.messages;
    for (let i = 0; i < 50 && (await transcript()).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    await renterApi('POST', `/api/rentals/${rental.body.id}/end`, {});
    await until(() => events().length >= 4);

    expect(events().map((e) => e.event)).toEqual([
      'rental_request',
      'rental_ending_soon',
      'rental_message',
      'rental_ended',
    ]);
    const message = events()[2];
    expect(message).toEqual({
      event: 'rental_message',
      timestamp: message.data.created_at,
      data: {
        id: expect.any(String),
        user_id: bot.id,
        type: 'rental_message',
        title: `New rental message from ${renter.username}`,
        body: 'Summarize this paper for me',
        link: `/rentals/${rental.body.id}/chat`,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        data: {
          rental_id: rental.body.id,
          message_id: posted.body.id,
          sender_id: renter.id,
          sender_username: renter.username,
          renter_username: renter.username,
          content: 'Summarize this paper for me',
        },
      },
    });
    expect(events()[0].data.data).toMatchObject({
      rental_id: rental.body.id,
      renter_username: renter.username,
    });
    expect((await transcript()).map((m) => m.content)).toEqual([
      'Summarize this paper for me',
      'Working on: Summarize this paper for me',
    ]);
    // The bot's own reply is not pushed back to it.
    expect(events().filter((e) => e.event === 'rental_message')).toHaveLength(1);
  }, 60_000);

  it('starts the delivery of an event whose first attempt died between its row and its workflow', async () => {
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      webhookUrl: agent.url,
      integration: 'events',
    });
    const rentalId = randomUUID();
    const eventId = randomUUID();
    const input = {
      eventKey: `rental:${rentalId}:message:${eventId}`,
      accountId: bot.id,
      policy: 'agent-events' as const,
      event: 'rental_message',
      subject: `rental:${rentalId}`,
      notifyIfPolling: true,
      payload: {
        event: 'rental_message',
        timestamp: new Date().toISOString(),
        data: {
          id: eventId,
          user_id: bot.id,
          type: 'rental_message',
          title: 'New message',
          body: 'hi',
          link: '/',
          data: { rental_id: rentalId },
        },
      },
    };
    // The first attempt writes the delivery row, then its process dies before the workflow starts.
    const dying = { workflow: { start: () => Promise.reject(new Error('SIGKILL')) } } as unknown as Client;
    await expect(
      deliverRentalEvent({ db: stack.db, config: stack.config, temporal: dying }, input),
    ).rejects.toThrow('SIGKILL');
    const row = await stack.db.query<{ state: string }>(
      'SELECT state FROM webhook_deliveries WHERE event_key = $1',
      [input.eventKey],
    );
    expect(row.rows).toEqual([{ state: 'pending' }]);

    // The retry finds the row routed to a webhook and starts its workflow: the agent gets it once.
    const deps = { db: stack.db, config: stack.config, temporal: stack.client };
    expect(await deliverRentalEvent(deps, input)).toBe('webhook');
    await until(() => events().some((e) => e.data.id === eventId));
    expect(await deliverRentalEvent(deps, input)).toBe('webhook');
    await new Promise((r) => setTimeout(r, 500));
    expect(events().filter((e) => e.data.id === eventId)).toHaveLength(1);
  });
});
