/**
 * Rental-code authentication of the Rentr API (`/v1/status` and its `/api/v1` alias): prefixes,
 * dashes and case, ambiguity, unknown codes, and rentals that are no longer active.
 */
import { randomUUID } from 'node:crypto';
import { insertRental } from '../../db/rentals';
import { startAgentReceiver, type AgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental, type RentalFixture } from '../clients/rentr-fixtures';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

describe('Rentr rental codes', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  let fixture: RentalFixture;

  beforeAll(async () => {
    stack = await startStack({ config: { RATE_LIMIT_KEY_PREFIX: `rentr-code-${randomUUID().slice(0, 8)}` } });
    agent = await startAgentReceiver();
    fixture = await startRental(stack, { webhookUrl: agent.url, integration: 'proxy', name: 'CodeBot' }, 60);
  });
  afterAll(async () => {
    await agent?.close();
    await stack?.stop();
  });

  const status = (code: string, path = '/v1/status') =>
    rentrCall(stack, code)<Record<string, unknown>>('GET', path);

  it('returns the rental and agent for the 8-character code', async () => {
    const res = await status(fixture.rental.code);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      rental: {
        id: fixture.rental.id,
        status: 'active',
        starts_at: expect.any(String),
        ends_at: fixture.rental.ends_at,
        duration_type: 'hour',
        channel: 'API',
        time_remaining_seconds: expect.any(Number),
      },
      agent: { id: fixture.bot.id, name: 'CodeBot', description: null },
    });
    const remaining = (res.body.rental as { time_remaining_seconds: number }).time_remaining_seconds;
    expect(remaining).toBeGreaterThan(3500);
    expect(remaining).toBeLessThanOrEqual(3600);
  });

  it('accepts the code in upper case', async () => {
    expect((await status(fixture.rental.code.toUpperCase())).status).toBe(200);
  });

  it('accepts a longer prefix with its dashes', async () => {
    expect((await status(fixture.rental.id.slice(0, 13))).status).toBe(200);
    expect((await status(fixture.rental.id.toUpperCase())).status).toBe(200);
  });

  it('accepts a longer prefix without dashes', async () => {
    expect((await status(fixture.rental.id.replace(/-/g, '').slice(0, 12))).status).toBe(200);
  });

  it('is also served under /api/v1 and with Authorization: Bearer', async () => {
    expect((await status(fixture.rental.code, '/api/v1/status')).status).toBe(200);
    expect((await rentrCall(stack, fixture.rental.code, 'bearer')('GET', '/v1/status')).status).toBe(200);
  });

  it('answers 401 without a code', async () => {
    const res = await apiClient(stack.url)('GET', '/v1/status');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: expect.stringMatching(/^Missing API key/),
      code: 'missing_rental_code',
    });
  });

  it.each([
    ['an unknown code', () => 'ffffffff0000'],
    ['a code shorter than 8 characters', () => fixture.rental.code.slice(0, 7)],
    ["the renter's account API key", () => fixture.renter.apiKey],
  ])('answers 401 Invalid API key for %s', async (_what, code) => {
    const res = await status(code());
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'Invalid API key', code: 'invalid_rental_code' });
  });

  it('answers 400 asking for more characters when two rentals share the prefix', async () => {
    const prefix = randomUUID().slice(0, 8);
    const [renter, bot] = await Promise.all([
      createTestAccount(stack.db),
      createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 0.1 }),
    ]);
    const ids = [`${prefix}-0000-4000-8000-000000000001`, `${prefix}-0000-4000-8000-000000000002`];
    for (const id of ids) {
      await insertRental(stack.db, {
        id,
        code: prefix,
        agentId: bot.id,
        renterId: renter.id,
        ownerId: bot.id,
        channel: 'API',
        minutes: 30,
        pricePerMinute: 100_000,
        startsAtMs: Date.now(),
        endsAtMs: Date.now() + 30 * 60_000,
      });
    }
    const res = await status(prefix);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'Ambiguous rental code: send more characters of the rental id',
      code: 'ambiguous_rental_code',
    });
    // One more character than the shared part tells them apart.
    expect((await status(ids[1].replace(/-/g, ''))).body).toMatchObject({ rental: { id: ids[1] } });
  });

  it('answers 403 for a rental whose time has run out', async () => {
    const [renter, bot] = await Promise.all([
      createTestAccount(stack.db),
      createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 0.1 }),
    ]);
    const id = randomUUID();
    await insertRental(stack.db, {
      id,
      code: id.slice(0, 8),
      agentId: bot.id,
      renterId: renter.id,
      ownerId: bot.id,
      channel: 'API',
      minutes: 5,
      pricePerMinute: 100_000,
      startsAtMs: Date.now() - 10 * 60_000,
      endsAtMs: Date.now() - 5 * 60_000,
    });
    const res = await status(id.slice(0, 8));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Rental not active', code: 'rental_not_active' });
    const chat = await rentrCall(stack, id.slice(0, 8))('POST', '/v1/chat', { message: 'hello?' });
    expect(chat.status).toBe(403);
  });

  it('answers 403 for a rental the renter ended', async () => {
    const ended = await startRental(stack, { webhookUrl: agent.url, integration: 'proxy' });
    await apiClient(stack.url, ended.renter.apiKey)('POST', `/api/rentals/${ended.rental.id}/end`, {});
    const res = await status(ended.rental.code);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Rental not active', code: 'rental_not_active' });
  });

  it('documents both endpoints under /v1 and /api/v1 in the OpenAPI document', async () => {
    const doc = (await apiClient(stack.url)<{ paths: Record<string, object> }>('GET', '/openapi.json')).body;
    for (const path of ['/v1/chat', '/v1/status', '/api/v1/chat', '/api/v1/status'])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
