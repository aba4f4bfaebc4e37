/**
 * The proxy relay activity against a real local agent webhook: request shape, reply extraction,
 * and which business failure each agent misbehaviour becomes (and so which HTTP status).
 */
import { ApplicationFailure } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import {
  createAgentProxyActivities,
  MAX_AGENT_REPLY_BYTES,
  type RelayToProxyAgentInput,
} from '../../activities/chat';
import { STATUS_BY_CODE } from '../../api/errors';
import type { ErrorCode } from '../../domain/errors';
import { createPool } from '../../db/pool';
import { createLogger } from '../../worker/logger';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { createTestAccount } from '../harness/fixtures';
import { testConfig } from '../harness/stack';

function activities(overrides: Parameters<typeof testConfig>[0] = {}) {
  return createAgentProxyActivities({ config: testConfig(overrides), logger: createLogger('silent') });
}

async function statusOf(
  promise: Promise<unknown>,
): Promise<{ status: number; message: string; nonRetryable: boolean }> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    return {
      status: STATUS_BY_CODE[err.type as ErrorCode],
      message: err.message,
      nonRetryable: err.nonRetryable === true,
    };
  }
  throw new Error('expected the relay to fail');
}

describe('proxy agent relay', () => {
  let agent: AgentReceiver;
  const input = (over: Partial<RelayToProxyAgentInput> = {}): RelayToProxyAgentInput => ({
    rentalId: randomUUID(),
    agentId: randomUUID(),
    agentName: 'GeographyBot',
    webhookUrl: agent.url,
    webhookToken: 'tok-123',
    message: 'What is the capital of France?',
    sessionKey: 'rental:r:renter:u',
    channel: 'API',
    ...over,
  });

  beforeEach(async () => {
    agent = await startAgentReceiver();
  });
  afterEach(async () => {
    await agent.close();
  });

  it('posts the message to <webhook_url>/hooks/agent with bearer token, X-Rental-ID and the Rentr body', async () => {
    const { relayToProxyAgent } = activities();
    const call = input({ webhookUrl: `${agent.url}/root/` });
    await relayToProxyAgent(call);
    expect(agent.requests).toHaveLength(1);
    const [req] = agent.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/root/hooks/agent');
    expect(req.headers.authorization).toBe('Bearer tok-123');
    expect(req.headers['x-rental-id']).toBe(call.rentalId);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({
      message: 'What is the capital of France?',
      agentId: 'GeographyBot',
      sessionKey: 'rental:r:renter:u',
      channel: 'API',
    });
  });

  it.each(['message', 'response', 'content', 'text'])('relays the reply found in "%s"', async (field) => {
    agent.respond(() => ({ body: { [field]: `Paris via ${field}` } }));
    await expect(activities().relayToProxyAgent(input())).resolves.toEqual({ reply: `Paris via ${field}` });
  });

  it('passes an object reply through as an object', async () => {
    const rich = { text: 'Paris', map: { lat: 48.85, lon: 2.35 } };
    agent.respond(() => ({ body: { response: rich } }));
    await expect(activities().relayToProxyAgent(input())).resolves.toEqual({ reply: rich });
  });

  it('stringifies a JSON reply without any reply field', async () => {
    agent.respond(() => ({ body: { answer: 'Paris' } }));
    await expect(activities().relayToProxyAgent(input())).resolves.toEqual({ reply: '{"answer":"Paris"}' });
  });

  it.each([400, 401, 404, 500, 503])('turns an agent HTTP %i into a non-retryable 502', async (status) => {
    agent.respond(() => ({ status, body: { error: 'nope' } }));
    await expect(statusOf(activities().relayToProxyAgent(input()))).resolves.toEqual({
      status: 502,
      message: 'Agent temporarily unavailable',
      nonRetryable: true,
    });
  });

  it('treats a reply over 1 MiB as an agent error rather than relaying part of it', async () => {
    agent.respond(() => ({ body: { message: 'x'.repeat(MAX_AGENT_REPLY_BYTES) } }));
    await expect(statusOf(activities().relayToProxyAgent(input()))).resolves.toMatchObject({ status: 502 });
  });

  it('treats a redirect as an agent error instead of following it', async () => {
    agent.respond(() => ({ status: 302, body: '' }));
    await expect(statusOf(activities().relayToProxyAgent(input()))).resolves.toMatchObject({ status: 502 });
    expect(agent.requests).toHaveLength(1);
  });

  it('turns an agent that does not answer in time into a non-retryable 503', async () => {
    agent.respond(() => ({ hang: true }));
    const started = Date.now();
    await expect(
      statusOf(activities({ AGENT_PROXY_TIMEOUT_MS: '500' }).relayToProxyAgent(input())),
    ).resolves.toEqual({ status: 503, message: 'Agent unreachable', nonRetryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('turns an unreachable agent into a 503', async () => {
    const url = agent.url;
    await agent.close();
    agent = await startAgentReceiver();
    await expect(statusOf(activities().relayToProxyAgent(input({ webhookUrl: url })))).resolves.toMatchObject(
      {
        status: 503,
        message: 'Agent unreachable',
      },
    );
  });

  it('answers 503 without calling anything when the agent has no webhook', async () => {
    await expect(
      statusOf(activities().relayToProxyAgent(input({ webhookUrl: null }))),
    ).resolves.toMatchObject({
      status: 503,
      message: 'Agent webhook not configured',
    });
  });

  it('refuses a loopback webhook when private webhooks are not allowed', async () => {
    const relay = activities({ ALLOW_PRIVATE_WEBHOOKS: 'false' }).relayToProxyAgent;
    await expect(statusOf(relay(input()))).resolves.toMatchObject({ status: 503 });
    expect(agent.requests).toHaveLength(0);
  });

  it("reads the endpoint from the agent's profile when the caller leaves it out", async () => {
    const config = testConfig();
    const db = createPool(config.DATABASE_URL!, 2);
    try {
      const bot = await createTestAccount(db, {
        kind: 'bot',
        name: 'ProfileBot',
        integration: 'proxy',
        webhookUrl: agent.url,
        webhookToken: 'from-profile',
      });
      const relay = createAgentProxyActivities({
        config,
        logger: createLogger('silent'),
        db,
      }).relayToProxyAgent;
      const call = input({ agentId: bot.id });
      delete call.agentName;
      delete call.webhookUrl;
      delete call.webhookToken;
      await expect(relay(call)).resolves.toEqual({ reply: 'ok' });
      expect(agent.requests[0].headers.authorization).toBe('Bearer from-profile');
      expect(agent.requests[0].body).toMatchObject({ agentId: 'ProfileBot' });
    } finally {
      await db.end();
    }
  });

  it('keeps the 30-second default timeout of the Rentr contract', () => {
    expect(testConfig().AGENT_PROXY_TIMEOUT_MS).toBe(30_000);
  });
});
