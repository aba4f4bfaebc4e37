/**
 * Every curl example of the seeds, run verbatim (test/clients/seed-curl-examples.json, checked
 * against the seed texts by test/unit/seed-examples-fidelity.test.ts) through the real `curl`,
 * `bash` and `jq` against the harness stack: only hosts, keys and ids are substituted, no header or
 * option is added. Each asserts the response shape the seed documents.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { startRental } from '../clients/rentr-fixtures';
import { seedExample, substitute } from '../clients/seed-examples';
import { apiClient, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

const run = promisify(execFile);
type Json = Record<string, unknown>;

describe('seed curl examples, verbatim', () => {
  let stack: Stack;
  let agent: AgentReceiver;

  /** Runs the example's text as a bash script; its stdout is the response body curl printed. */
  async function bash(script: string, env: Record<string, string> = {}): Promise<string> {
    const { stdout } = await run('bash', ['-c', script], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return stdout;
  }
  const json = async (script: string) => JSON.parse(await bash(script)) as Json;

  const rentrHosts = () => ({ 'https://api.rentr.live': stack.url });
  const roborent = (apiKey: string, extra: Record<string, string> = {}) => ({
    'https://www.roborent.cc': stack.url,
    rr_live_YOUR_KEY: apiKey,
    ...extra,
  });

  beforeAll(async () => {
    stack = await startStack({
      config: { RATE_LIMIT_KEY_PREFIX: `seed-curl-${randomUUID().slice(0, 8)}` },
    });
    agent = await startAgentReceiver(() => ({ body: { response: 'Paris.' } }));
  });
  afterAll(async () => {
    await agent?.close();
    await stack?.stop();
  });

  let botName = '';
  /** A rental of a proxy agent (its webhook answers "Paris."), named uniquely like the seed's GeographyBot. */
  async function proxyRental() {
    botName = `GeographyBot-${randomUUID().slice(0, 8)}`;
    return startRental(
      stack,
      { webhookUrl: agent.url, integration: 'proxy', name: botName },
      30,
      async (bot) => {
        const set = await apiClient(stack.url, bot.apiKey)('PATCH', '/api/agents/me', {
          description: 'Answers geography questions.',
        });
        expect(set.status).toBe(200);
      },
    );
  }

  it('Rentr GET /v1/status answers the rental (status active) and its agent', async () => {
    const { rental, bot } = await proxyRental();
    const body = await json(
      substitute(seedExample('rentr-status'), { ...rentrHosts(), a1b2c3d4: rental.code }),
    );
    expect(body).toEqual({
      rental: {
        id: rental.id,
        status: 'active',
        starts_at: expect.any(String),
        ends_at: rental.ends_at,
        duration_type: expect.any(String),
        channel: expect.any(String),
        time_remaining_seconds: expect.any(Number),
      },
      agent: { id: bot.id, name: botName, description: 'Answers geography questions.' },
    });
  });

  it.each(['rentr-chat', 'rentr-chat-multiline'])(
    'Rentr POST /v1/chat (%s) relays the agent reply with the rental id and end',
    async (id) => {
      const { rental } = await proxyRental();
      const body = await json(substitute(seedExample(id), { ...rentrHosts(), a1b2c3d4: rental.code }));
      expect(body).toEqual({
        success: true,
        agent: botName,
        response: 'Paris.',
        rental: { id: rental.id, ends_at: rental.ends_at },
      });
    },
  );

  it('Rentr POST /v1/chat with long options and a body spread over lines relays the reply', async () => {
    const { rental } = await proxyRental();
    const body = await json(
      substitute(seedExample('rentr-chat-long-options'), { ...rentrHosts(), '<api-key>': rental.code }),
    );
    expect(body).toMatchObject({ success: true, agent: botName, response: 'Paris.' });
    expect(agent.requests.at(-1)?.body).toMatchObject({ message: 'What is the capital of France?' });
  });

  it('the Rentr shell helper, sourced and used as printed, prints the agent reply', async () => {
    const { rental } = await proxyRental();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentr-seed-'));
    try {
      const rc = path.join(dir, 'bashrc');
      fs.writeFileSync(rc, substitute(seedExample('rentr-helper'), rentrHosts()));
      const usage = substitute(seedExample('rentr-helper-usage'), { a1b2c3d4: rental.code });
      expect(await bash(`source "${rc}"\n${usage}`)).toBe('Paris.\n');
      expect(agent.requests.at(-1)?.body).toMatchObject({ message: 'Summarize the news today' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('RoboRent sign-in at /auth/v1/token?grant_type=password returns an access_token usable as Bearer', async () => {
    const email = `seed-${randomUUID()}@example.com`;
    const signup = await apiClient(stack.url)('POST', '/api/v1/auth/signup', {
      email,
      password: 'password',
      username: `seed_${randomUUID().slice(0, 8)}`,
    });
    expect(signup.status).toBe(201);
    const body = await json(
      substitute(seedExample('roborent-jwt-sign-in'), {
        'https://yfrajzahavdxekqjxvud.supabase.co': stack.url,
        'you@example.com': email,
      }),
    );
    expect(body).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
    const balance = await apiClient(stack.url)('GET', '/api/v1/agent/balance', undefined, {
      Authorization: `Bearer ${body.access_token as string}`,
    });
    expect(balance.status).toBe(200);
  });

  it('RoboRent GET /api/v1/agent/balance with X-API-Key answers the three balances', async () => {
    const bot = await createFundedAccount(stack.db, 12.5, { kind: 'bot' });
    const body = await json(substitute(seedExample('roborent-balance'), roborent(bot.apiKey)));
    expect(body).toMatchObject({ available_balance: 12.5, held_balance: 0, total_balance: 12.5 });
  });

  describe('the earn flow: search, accept, submit', () => {
    let taskId: string;
    let worker: Awaited<ReturnType<typeof createTestAccount>>;

    beforeAll(async () => {
      const creator = await createFundedAccount(stack.db, 100, { kind: 'bot' });
      worker = await createTestAccount(stack.db, { kind: 'bot' });
      const created = await apiClient(stack.url, creator.apiKey)<{ id: string }>(
        'POST',
        '/api/v1/agent/tasks',
        {
          title: `Follow us ${randomUUID()}`,
          description: 'Follow the account',
          category: 'social',
          reward_usd: 2,
          slots: 3,
        },
      );
      expect(created.status).toBe(201);
      taskId = created.body.id;
      // Tasks the seed's filters exclude: another category, and a reward under min_reward.
      for (const other of [
        { category: 'content', reward_usd: 2 },
        { category: 'social', reward_usd: 0.5 },
      ]) {
        const made = await apiClient(stack.url, creator.apiKey)('POST', '/api/v1/agent/tasks', {
          title: `Not for this search ${randomUUID()}`,
          description: 'Excluded by the filters',
          slots: 1,
          ...other,
        });
        expect(made.status).toBe(201);
      }
    });

    it('1. search (JSON body sent as curl -d sends it) applies its filters: social, min_reward 1, limit 5', async () => {
      const body = await json(substitute(seedExample('roborent-tasks-search'), roborent(worker.apiKey)));
      const tasks = body.tasks as Json[];
      expect(body.count).toEqual(expect.any(Number));
      expect(tasks.map((t) => t.id)).toContain(taskId);
      expect(tasks.length).toBeLessThanOrEqual(5);
      for (const t of tasks) {
        expect(t.category).toBe('social');
        expect(t.reward_usd).toBeGreaterThanOrEqual(1);
      }
    });

    it('2. accept with an Idempotency-Key reserves a slot', async () => {
      const body = await json(
        substitute(seedExample('roborent-task-accept'), roborent(worker.apiKey, { TASK_ID: taskId })),
      );
      expect(body).toMatchObject({ success: true, task_id: taskId, status: 'accepted' });
    });

    it('3. submit proof (form-encoded JSON body) starts the review', async () => {
      const body = await json(
        substitute(seedExample('roborent-task-submit'), roborent(worker.apiKey, { TASK_ID: taskId })),
      );
      expect(body).toMatchObject({
        task_id: taskId,
        proof_url: 'https://x.com/user/status/123',
        proof_text: 'Done',
      });
      expect(body.review_deadline).toEqual(expect.any(String));
    });
  });

  it('MCP initialize over curl answers protocol 2024-11-05 and the server info', async () => {
    const bot = await createTestAccount(stack.db, { kind: 'bot' });
    const body = await json(substitute(seedExample('roborent-mcp-initialize'), roborent(bot.apiKey)));
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { protocolVersion: '2024-11-05', serverInfo: { name: expect.any(String) } },
    });
  });

  it('MCP tools/call get_balance over curl answers the balance', async () => {
    const bot = await createFundedAccount(stack.db, 3, { kind: 'bot' });
    const body = await json(substitute(seedExample('roborent-mcp-get-balance'), roborent(bot.apiKey)));
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: 2,
      result: { structuredContent: { available_balance: 3, held_balance: 0, total_balance: 3 } },
    });
  });
});
