import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/pool';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

let stack: Stack;
let strict: Stack;
beforeAll(async () => {
  [stack, strict] = await Promise.all([
    startStack({ worker: false }),
    startStack({ worker: false, config: { ALLOW_PRIVATE_WEBHOOKS: 'false' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), strict?.stop()]);
});

async function rentalWithReply(db: Db, agentId: string, renterId: string, replyAfterSeconds: number) {
  const rentalId = randomUUID();
  await db.query(
    `INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, minutes, price_per_minute, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $3, 'ended', 10, 1000000, now() - interval '1 hour', now() - interval '50 minutes')`,
    [rentalId, rentalId.replace(/-/g, '').slice(0, 8), agentId, renterId],
  );
  await db.query(
    `INSERT INTO rental_messages (id, rental_id, seq, sender_id, content, created_at) VALUES
       ($1, $3, 1, $4, 'hello?', now() - interval '1 hour'),
       ($2, $3, 2, $5, 'hi!', now() - interval '1 hour' + make_interval(secs => $6))`,
    [randomUUID(), randomUUID(), rentalId, renterId, agentId, replyAfterSeconds],
  );
}

describe('agent profiles', () => {
  it('lets a bot edit its profile and shows it publicly without webhook secrets', async () => {
    const bot = await createTestAccount(stack.db, { kind: 'bot' });
    const r = await apiClient(stack.url, bot.apiKey)('PATCH', '/api/agents/me', {
      name: 'Translator',
      description: 'EN↔DE',
      price_per_minute: 0.25,
      webhook_url: 'http://127.0.0.1:9/hooks',
      webhook_token: 'tok-secret',
      integration: 'proxy',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Translator',
      price_per_minute: 0.25,
      integration: 'proxy',
      webhook_url: 'http://127.0.0.1:9/hooks',
      webhook_token_set: true,
      rental_ready: true,
    });
    const pub = await apiClient(stack.url)('GET', `/api/agents/${bot.id}`);
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({
      id: bot.id,
      name: 'Translator',
      description: 'EN↔DE',
      price_per_minute: 0.25,
    });
    expect(JSON.stringify(pub.body)).not.toMatch(/tok-secret|webhook_url|127\.0\.0\.1/);
  });

  it('refuses profile edits by people with 403', async () => {
    const p = await createTestAccount(stack.db);
    const r = await apiClient(stack.url, p.apiKey)('PATCH', '/api/agents/me', { name: 'x' });
    expect(r.status).toBe(403);
  });

  it('refuses non-http and private webhook targets unless ALLOW_PRIVATE_WEBHOOKS, changing nothing', async () => {
    const bot = await createTestAccount(strict.db, { kind: 'bot' });
    const call = apiClient(strict.url, bot.apiKey);
    for (const webhook_url of [
      'ftp://example.com/x',
      'http://127.0.0.1:8080/h',
      'http://169.254.169.254/',
      'http://localhost/h',
    ]) {
      const r = await call('PATCH', '/api/agents/me', { webhook_url, name: 'Changed' });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^webhook_url: /);
    }
    const row = await strict.db.query('SELECT webhook_url, display_name FROM accounts WHERE id = $1', [
      bot.id,
    ]);
    expect(row.rows[0]).toEqual({ webhook_url: null, display_name: bot.username });
  });

  it('falls back to polling (integration null) when the webhook is removed', async () => {
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      webhookUrl: 'http://127.0.0.1:9/h',
      integration: 'events',
    });
    const r = await apiClient(stack.url, bot.apiKey)('PATCH', '/api/agents/me', { webhook_url: null });
    expect(r.body).toMatchObject({ webhook_url: null, integration: null, rental_ready: false });
  });
});

describe('marketplace', () => {
  it('filters by text, price and rental_ready and sorts by price', async () => {
    const tag = randomUUID().slice(0, 8);
    const owner = await createTestAccount(stack.db, { name: `owner-${tag}` });
    const cheap = await createTestAccount(stack.db, {
      kind: 'bot',
      name: `cheap-${tag}`,
      pricePerMinute: 0.1,
      ownerId: owner.id,
    });
    const mid = await createTestAccount(stack.db, {
      kind: 'bot',
      name: `mid-${tag}`,
      pricePerMinute: 0.5,
      webhookUrl: 'http://127.0.0.1:9/h',
      integration: 'events',
    });
    const dear = await createTestAccount(stack.db, { kind: 'bot', name: `dear-${tag}`, pricePerMinute: 2 });
    const call = apiClient(stack.url);
    const byPrice = await call('GET', `/api/agents?q=${tag}&sort=price_desc`);
    expect((byPrice.body.agents as { id: string }[]).map((a) => a.id)).toEqual([dear.id, mid.id, cheap.id]);
    const ranged = await call('GET', `/api/agents?q=${tag}&min_price=0.1&max_price=0.5&sort=price`);
    expect((ranged.body.agents as { id: string }[]).map((a) => a.id)).toEqual([cheap.id, mid.id]);
    const ready = await call('GET', `/api/agents?q=${tag}&rental_ready=true`);
    expect((ready.body.agents as { id: string }[]).map((a) => a.id)).toEqual([mid.id]);
    const first = (byPrice.body.agents as Record<string, unknown>[]).find((a) => a.id === cheap.id);
    expect(first).toMatchObject({
      owner: { id: owner.id, name: `owner-${tag}` },
      rental_ready: false,
      health: null,
    });
    expect(Object.keys(first!).sort()).toEqual(
      [
        'created_at',
        'description',
        'health',
        'id',
        'integration',
        'name',
        'owner',
        'price_per_minute',
        'rental_ready',
      ].sort(),
    );
  });

  it('marks an agent rental ready once it answered a renter within 5 minutes, not later', async () => {
    const renter = await createTestAccount(stack.db);
    const quick = await createTestAccount(stack.db, { kind: 'bot' });
    const slow = await createTestAccount(stack.db, { kind: 'bot' });
    await rentalWithReply(stack.db, quick.id, renter.id, 120);
    await rentalWithReply(stack.db, slow.id, renter.id, 301);
    expect((await apiClient(stack.url)('GET', `/api/agents/${quick.id}`)).body.rental_ready).toBe(true);
    expect((await apiClient(stack.url)('GET', `/api/agents/${slow.id}`)).body.rental_ready).toBe(false);
  });

  it('answers 404 for an unknown agent and for a person id', async () => {
    const p = await createTestAccount(stack.db);
    expect((await apiClient(stack.url)('GET', `/api/agents/${randomUUID()}`)).status).toBe(404);
    expect((await apiClient(stack.url)('GET', `/api/agents/${p.id}`)).status).toBe(404);
  });
});
