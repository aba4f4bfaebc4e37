/** The webhook API on the real stack: test event, delivery log, redelivery, secret rotation, disable/enable. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createWebhookActivities } from '../../activities/webhooks';
import { createLogger } from '../../worker/logger';
import { SA } from '../../domain/search-attributes';
import { webhookWorkflowId } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

type Json = Record<string, unknown>;

describe('webhooks API', () => {
  let stack: Stack;
  let receiver: Receiver;
  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  async function bot() {
    const path = `/hook-${randomUUID()}`;
    const acct = await createTestAccount(stack.db, { kind: 'bot', webhookUrl: `${receiver.url}${path}` });
    return { ...acct, path, call: apiClient(stack.url, acct.apiKey) };
  }
  const settled = (id: string) => stack.client.workflow.getHandle(webhookWorkflowId(id)).result();
  const deliveryCount = async (accountId: string) =>
    Number(
      (await stack.db.query('SELECT count(*) FROM webhook_deliveries WHERE account_id = $1', [accountId]))
        .rows[0].count,
    );

  it('PUT /webhooks/endpoint lets a person set a webhook URL and receive a signed test event there', async () => {
    const person = await createTestAccount(stack.db, { kind: 'person' });
    const call = apiClient(stack.url, person.apiKey);
    const path = `/person-${randomUUID()}`;
    const set = await call('PUT', '/api/v1/webhooks/endpoint', { url: `${receiver.url}${path}` });
    expect(set).toMatchObject({
      status: 200,
      body: { webhook_url: `${receiver.url}${path}`, disabled: false },
    });
    receiver.respond = () => 200;
    const sent = await call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
    expect(sent.status).toBe(202);
    await settled(sent.body.delivery_id);
    expect(receiver.requests.filter((r) => r.path === path)).toHaveLength(1);
  });

  it('PUT /webhooks/endpoint refuses a non-http URL with 400 naming the field and changes nothing', async () => {
    const person = await createTestAccount(stack.db, { kind: 'person' });
    const bad = await apiClient(stack.url, person.apiKey)('PUT', '/api/v1/webhooks/endpoint', {
      url: 'ftp://x.example',
    });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/^url:/);
    const row = await stack.db.query('SELECT webhook_url FROM accounts WHERE id = $1', [person.id]);
    expect(row.rows[0].webhook_url).toBeNull();
  });

  it('POST /webhooks/test sends a signed webhook_test the receiver verifies with the secret from rotate', async () => {
    const me = await bot();
    const rotated = await me.call<{ secret: string }>('POST', '/api/v1/webhooks/secret/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    receiver.respond = () => 200;
    const sent = await me.call<{ delivery_id: string; state: string }>('POST', '/api/v1/webhooks/test');
    expect(sent.status).toBe(202);
    await settled(sent.body.delivery_id);
    const [req] = receiver.requests.filter((r) => r.path === me.path);
    expect(req.headers['webhook-id']).toBe(sent.body.delivery_id);
    expect(new Webhook(rotated.body.secret).verify(req.body, req.headers)).toMatchObject({
      event: 'webhook_test',
    });
    // Findable by operators: kind, delivery id, account and final status, with a readable memo.
    const described = await stack.client.workflow
      .getHandle(webhookWorkflowId(sent.body.delivery_id))
      .describe();
    expect(described.typedSearchAttributes.get(SA.WorkflowKind)).toBe('webhook-delivery');
    expect(described.typedSearchAttributes.get(SA.SubjectId)).toBe(sent.body.delivery_id);
    expect(described.typedSearchAttributes.get(SA.AccountIds)).toEqual([me.id]);
    expect(described.typedSearchAttributes.get(SA.BusinessStatus)).toBe('delivered');
    expect(described.memo).toMatchObject({ event: 'webhook_test', policy: 'agent-events' });
  });

  it('POST /webhooks/test without a webhook_url is a 409 and records nothing', async () => {
    const acct = await createTestAccount(stack.db, { kind: 'bot' });
    const res = await apiClient(stack.url, acct.apiKey)('POST', '/api/v1/webhooks/test');
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'no webhook_url is set for this account',
      code: 'webhook_url_missing',
    });
    expect(await deliveryCount(acct.id)).toBe(0);
  });

  it('GET /webhooks/deliveries pages with a cursor and filters by state and event; detail shows attempts', async () => {
    const me = await bot();
    receiver.respond = () => 200;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sent = await me.call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
      ids.push(sent.body.delivery_id);
      await settled(sent.body.delivery_id);
    }
    const page1 = await me.call<{ deliveries: Json[]; next_cursor: string }>(
      'GET',
      '/api/v1/webhooks/deliveries?limit=2',
    );
    expect(page1.status).toBe(200);
    expect(page1.body.deliveries.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    const page2 = await me.call<{ deliveries: Json[]; next_cursor: string | null }>(
      'GET',
      `/api/v1/webhooks/deliveries?limit=2&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body).toMatchObject({ deliveries: [{ id: ids[0], state: 'delivered' }], next_cursor: null });
    const failed = await me.call<{ deliveries: Json[] }>('GET', '/api/v1/webhooks/deliveries?state=failed');
    expect(failed.body.deliveries).toEqual([]);
    const other = await me.call<{ deliveries: Json[] }>(
      'GET',
      '/api/v1/webhooks/deliveries?event=rental_message',
    );
    expect(other.body.deliveries).toEqual([]);
    const detail = await me.call<Json>('GET', `/api/v1/webhooks/deliveries/${ids[0]}`);
    expect(detail.body).toMatchObject({
      id: ids[0],
      event: 'webhook_test',
      state: 'delivered',
      payload: { event: 'webhook_test' },
      attempts: [{ attempt: 1, outcome: 'success', response_status: 200 }],
    });
  });

  it('rejects bad list filters and ids with a 400 naming the field', async () => {
    const me = await bot();
    expect((await me.call('GET', '/api/v1/webhooks/deliveries?state=lost')).body.error).toMatch(/^state: /);
    expect((await me.call('GET', '/api/v1/webhooks/deliveries?limit=0')).body.error).toMatch(/^limit: /);
    expect((await me.call('GET', '/api/v1/webhooks/deliveries?since=yesterday')).body.error).toMatch(
      /^since: /,
    );
    const badId = await me.call('GET', '/api/v1/webhooks/deliveries/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.error).toMatch(/^id: /);
  });

  it('reads list bounds as instants: an ISO offset Postgres cannot parse (+20:26) still answers 200', async () => {
    const me = await bot();
    const since = encodeURIComponent('0059-07-27T18:14:02+20:26');
    const until = encodeURIComponent('2999-01-12T20:45:55+01:56');
    const res = await me.call('GET', `/api/v1/webhooks/deliveries?since=${since}&until=${until}`);
    expect(res.status).toBe(200);
    const bad = await me.call('GET', '/api/v1/webhooks/deliveries?since=2000-01-01T00%3A00%3A00Z&until=null');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^until: /);
  });

  it('redeliver sends the same body as a new, freshly signed delivery; others get 404, an admin may', async () => {
    const me = await bot();
    receiver.respond = () => 200;
    const sent = await me.call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
    await settled(sent.body.delivery_id);
    const again = await me.call<{ delivery_id: string; redelivery_of: string }>(
      'POST',
      `/api/v1/webhooks/deliveries/${sent.body.delivery_id}/redeliver`,
    );
    expect(again.status).toBe(202);
    expect(again.body.redelivery_of).toBe(sent.body.delivery_id);
    expect(again.body.delivery_id).not.toBe(sent.body.delivery_id);
    await settled(again.body.delivery_id);
    const reqs = receiver.requests.filter((r) => r.path === me.path);
    expect(reqs.map((r) => r.headers['webhook-id'])).toEqual([sent.body.delivery_id, again.body.delivery_id]);
    expect(reqs[1].body).toBe(reqs[0].body);

    const stranger = await bot();
    const denied = await stranger.call(
      'POST',
      `/api/v1/webhooks/deliveries/${sent.body.delivery_id}/redeliver`,
    );
    expect(denied.status).toBe(404);
    const admin = await apiClient(stack.url, TEST_ADMIN_KEY)(
      'POST',
      `/api/v1/webhooks/deliveries/${sent.body.delivery_id}/redeliver`,
    );
    expect(admin.status).toBe(202);
  });

  it('an endpoint failing every delivery for 24 h is disabled, its owner notified, and re-enabling resumes sending', async () => {
    const me = await bot();
    const { attemptWebhookDelivery } = createWebhookActivities({
      config: stack.config,
      db: stack.db,
      temporal: stack.client,
      logger: createLogger('silent'),
    });
    // A delivery this test attempts by hand (no workflow), so attempt times can be set.
    const old = { deliveryId: randomUUID() };
    await stack.db.query(
      `INSERT INTO webhook_deliveries (id, event_key, account_id, policy, event, subject, target_url, body, state)
       VALUES ($1::uuid, $1::text, $2, 'agent-events', 'rental_message', 'rental:x', $3, '{}', 'pending')`,
      [old.deliveryId, me.id, `${receiver.url}${me.path}`],
    );
    receiver.respond = () => 500;
    const env = new MockActivityEnvironment();
    const dayAgo = new Date(Date.now() - 25 * 3600_000).toISOString();
    await env.run(attemptWebhookDelivery, {
      deliveryId: old.deliveryId,
      attempt: 1,
      attemptedAt: dayAgo,
      retryInMs: null,
    });
    expect(
      (await stack.db.query('SELECT webhook_disabled_at FROM accounts WHERE id = $1', [me.id])).rows[0]
        .webhook_disabled_at,
    ).toBeNull();

    // Today's failure completes 24 h of failing: the endpoint is disabled and the owner notified.
    await env.run(attemptWebhookDelivery, {
      deliveryId: old.deliveryId,
      attempt: 2,
      attemptedAt: new Date().toISOString(),
      retryInMs: null,
    });
    const acct = await stack.db.query('SELECT webhook_disabled_at FROM accounts WHERE id = $1', [me.id]);
    expect(acct.rows[0].webhook_disabled_at).toBeInstanceOf(Date);
    const notes = await stack.db.query('SELECT type FROM notifications WHERE account_id = $1', [me.id]);
    expect(notes.rows).toEqual([{ type: 'webhook_endpoint_disabled' }]);

    const refused = await me.call('POST', '/api/v1/webhooks/test');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/disabled/);

    const enabled = await me.call('POST', '/api/v1/webhooks/endpoint/enable');
    expect(enabled.body).toMatchObject({ disabled: false });
    receiver.respond = () => 200;
    const sent = await me.call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
    expect(sent.status).toBe(202);
    expect(await settled(sent.body.delivery_id)).toMatchObject({ state: 'delivered' });
  });

  it('with private webhooks not allowed, an attempt to localhost is refused, sends nothing and is not retried', async () => {
    const me = await bot();
    const { attemptWebhookDelivery } = createWebhookActivities({
      config: { ...stack.config, ALLOW_PRIVATE_WEBHOOKS: false },
      db: stack.db,
      temporal: stack.client,
      logger: createLogger('silent'),
    });
    const deliveryId = randomUUID();
    const port = new URL(receiver.url).port;
    await stack.db.query(
      `INSERT INTO webhook_deliveries (id, event_key, account_id, policy, event, subject, target_url, body, state)
       VALUES ($1::uuid, $1::text, $2, 'agent-events', 'rental_message', 'rental:x', $3, '{}', 'pending')`,
      [deliveryId, me.id, `http://localhost:${port}${me.path}`],
    );
    const result = await new MockActivityEnvironment().run(attemptWebhookDelivery, {
      deliveryId,
      attempt: 1,
      attemptedAt: new Date().toISOString(),
      retryInMs: 30_000,
    });
    expect(result).toMatchObject({ state: 'failed', outcome: 'refused', status: null });
    expect(receiver.requests.filter((r) => r.path === me.path)).toEqual([]);
    const row = await stack.db.query('SELECT state, last_error FROM webhook_deliveries WHERE id = $1', [
      deliveryId,
    ]);
    expect(row.rows[0]).toMatchObject({
      state: 'failed',
      last_error: expect.stringMatching(/public address/),
    });
  });

  it('requires credentials', async () => {
    const res = await apiClient(stack.url)('GET', '/api/v1/webhooks/deliveries');
    expect(res.status).toBe(401);
  });
});
