/**
 * MCP as raw JSON-RPC over HTTP, the way the seed's curl examples and hand-written bots use it:
 * discovery, initialize and tools/call with curl's defaults (form content type, Accept: *\/*),
 * credentials, bad arguments and rule violations with the REST API's own messages.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { MCP_TOOL_NAMES } from '../harness/mcp-tools';
import { type Stack, startStack } from '../harness/stack';

const run = promisify(execFile);

interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text: string }[];
}

/** `curl -s -X POST <url> -H <header>… -d <data>` as a real process, like the seed's examples. */
async function curlPost(url: string, headers: string[], data: string) {
  const args = ['-s', '-X', 'POST', url, ...headers.flatMap((h) => ['-H', h]), '-d', data];
  const { stdout } = await run('curl', [...args, '-w', '\n%{http_code}\n%{content_type}']);
  const [body, status, contentType] = stdout.split('\n');
  return { status: Number(status), contentType, body: JSON.parse(body) as RpcResponse };
}

describe('MCP as raw JSON-RPC', () => {
  let stack: Stack;
  let mcpUrl: string;
  let rpcId = 0;

  /** One JSON-RPC request as JSON with no Accept header: a plain JSON answer. */
  async function rpc(method: string, params: Record<string, unknown>, apiKey?: string) {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(apiKey ? { 'X-API-Key': apiKey } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    });
    return { status: res.status, body: (await res.json()) as RpcResponse };
  }

  async function callTool(name: string, args: Record<string, unknown>, apiKey?: string): Promise<ToolResult> {
    const { body } = await rpc('tools/call', { name, arguments: args }, apiKey);
    if (!body.result) throw new Error(`tools/call ${name}: ${JSON.stringify(body.error)}`);
    return body.result as unknown as ToolResult;
  }

  const taskCount = async (creatorId: string) =>
    Number(
      (await stack.db.query('SELECT count(*) AS n FROM tasks WHERE creator_id = $1', [creatorId])).rows[0].n,
    );

  beforeAll(async () => {
    // A worker: creating a task is the first step of its `task-<id>` workflow.
    stack = await startStack({
      config: {
        RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000',
        RATE_LIMIT_KEY_PREFIX: `mcp-${randomUUID().slice(0, 8)}`,
      },
    });
    mcpUrl = `${stack.url}/api/v1/mcp`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('the seed curl examples, exactly as written', () => {
    let bot: TestAccount;
    beforeAll(async () => {
      bot = await createFundedAccount(stack.db, 3.25, { kind: 'bot' });
    });

    it('initializes with protocol 2024-11-05 and answers plain JSON', async () => {
      const res = await curlPost(
        mcpUrl,
        [`X-API-Key: ${bot.apiKey}`],
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","clientInfo":{"name":"mybot","version":"1.0"}}}',
      );
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        result: {
          protocolVersion: '2024-11-05',
          serverInfo: { name: 'agentrent', version: '0.1.0' },
          capabilities: { tools: {} },
        },
      });
    });

    it('calls get_balance and returns the balance as structured content', async () => {
      const res = await curlPost(
        mcpUrl,
        [`X-API-Key: ${bot.apiKey}`],
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_balance","arguments":{}}}',
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        jsonrpc: '2.0',
        id: 2,
        result: {
          structuredContent: {
            available_balance: 3.25,
            held_balance: 0,
            total_balance: 3.25,
            currency: 'USDT',
          },
          content: [
            { type: 'text', text: 'Available 3.25 USDT, held 0 USDT, total 3.25 USDT.' },
            { type: 'text' },
          ],
        },
      });
      expect(res.body.result!.isError).toBeUndefined();
    });
  });

  it('answers discovery on GET without credentials with every tool and its input schema', async () => {
    const res = await fetch(mcpUrl);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      serverInfo: unknown;
      protocolVersions: string[];
      tools: { name: string; inputSchema: { type: string; properties?: Record<string, unknown> } }[];
    };
    expect(doc.serverInfo).toEqual({ name: 'agentrent', version: '0.1.0' });
    expect(doc.protocolVersions).toEqual(expect.arrayContaining(['2024-11-05', LATEST_PROTOCOL_VERSION]));
    expect(doc.tools.map((t) => t.name).sort()).toEqual(MCP_TOOL_NAMES);
    const withdrawal = doc.tools.find((t) => t.name === 'create_withdrawal')!;
    expect(Object.keys(withdrawal.inputSchema.properties!).sort()).toEqual([
      'address',
      'amount',
      'currency',
      'idempotency_key',
    ]);
  });

  it('answers 405 to a GET for a server-initiated event stream (stateless server, none exists)', async () => {
    const res = await fetch(mcpUrl, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('negotiates the newest protocol version and lists tools without credentials', async () => {
    const init = await rpc('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    });
    expect(init.body.result).toMatchObject({ protocolVersion: LATEST_PROTOCOL_VERSION });
    const list = await rpc('tools/list', {});
    expect((list.body.result!.tools as { name: string }[]).map((t) => t.name).sort()).toEqual(MCP_TOOL_NAMES);
  });

  it('answers a JSON-RPC parse error to a body that is not JSON', async () => {
    const res = await curlPost(mcpUrl, [], 'jsonrpc=2.0&method=initialize');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: Invalid JSON' },
    });
  });

  it('answers an unknown tool with a JSON-RPC invalid-params error', async () => {
    const { body } = await rpc('tools/call', { name: 'launch_rocket', arguments: {} });
    expect(body.error).toEqual({ code: -32602, message: expect.stringContaining('launch_rocket') });
  });

  describe('credentials', () => {
    it('refuses every tool but register_agent without credentials, with the REST 401 message', async () => {
      const needingAuth = MCP_TOOL_NAMES.filter((t) => t !== 'register_agent');
      for (const name of needingAuth) {
        const result = await callTool(name, {});
        expect({
          name,
          isError: result.isError,
          text: result.content[0].text,
          status: result.structuredContent?.status,
        }).toEqual({
          name,
          isError: true,
          text: 'missing credentials: send X-API-Key or Authorization: Bearer',
          status: 401,
        });
      }
      const registered = await callTool('register_agent', { agent_name: 'NoAuthBot' });
      expect(registered.isError).toBeUndefined();
      expect(registered.structuredContent).toMatchObject({ success: true, agent_name: 'NoAuthBot' });
    });

    it('refuses a revoked or unknown API key with the REST message', async () => {
      const result = await callTool('get_balance', {}, 'rr_live_not-a-real-key');
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toBe('invalid or revoked credentials');
    });

    it("counts tool calls against the key's per-minute limit and answers 429 with Retry-After", async () => {
      const bot = await createTestAccount(stack.db, { kind: 'bot' });
      await stack.db.query('UPDATE api_keys SET rate_limit_per_minute = 2 WHERE account_id = $1', [bot.id]);
      expect((await callTool('get_balance', {}, bot.apiKey)).isError).toBeUndefined();
      expect((await callTool('get_transactions', {}, bot.apiKey)).isError).toBeUndefined();
      const limited = await callTool('get_balance', {}, bot.apiKey);
      expect(limited).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'rate limit exceeded: 2 requests per minute for this key' }],
        structuredContent: { status: 429, retry_after_seconds: expect.any(Number) },
      });
    });

    it('accepts the key as Authorization: Bearer as well', async () => {
      const bot = await createTestAccount(stack.db, { kind: 'bot' });
      const res = await curlPost(
        mcpUrl,
        [`Authorization: Bearer ${bot.apiKey}`],
        '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_balance","arguments":{}}}',
      );
      expect(res.body.result).toMatchObject({
        structuredContent: { available_balance: 0, currency: 'USDT' },
      });
    });
  });

  describe('bad arguments and rule violations', () => {
    let creator: TestAccount;
    let rest: ReturnType<typeof apiClient>;
    beforeAll(async () => {
      creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
      rest = apiClient(stack.url, creator.apiKey);
    });

    const validTask = {
      title: 'Write a haiku',
      description: 'About Temporal',
      category: 'content',
      reward_usd: 2,
      slots: 1,
    };

    it.each([
      ['reward_usd as a string', { ...validTask, reward_usd: '2' }, 'reward_usd'],
      ['reward_usd with 7 decimals', { ...validTask, reward_usd: 1.0000001 }, 'reward_usd'],
      ['slots missing', { ...validTask, slots: undefined }, 'slots'],
      ['an unknown category', { ...validTask, category: 'rockets' }, 'category'],
    ])(
      'refuses create_task with %s, naming the field as REST does, and changes nothing',
      async (_case, args, field) => {
        const restAnswer = await rest('POST', '/api/v1/agent/tasks', args);
        const result = await callTool('create_task', args, creator.apiKey);

        expect(restAnswer.status).toBe(400);
        expect(result.isError).toBe(true);
        expect(result.content[0].text).toMatch(new RegExp(`^${field}: `));
        expect(result.content[0].text).toBe((restAnswer.body as { error: string }).error);
        expect(result.structuredContent).toMatchObject({ status: 400, code: 'validation' });
        expect(await taskCount(creator.id)).toBe(0);
        expect(await callTool('get_balance', {}, creator.apiKey)).toMatchObject({
          structuredContent: { available_balance: 10, held_balance: 0 },
        });
      },
    );

    it('refuses create_withdrawal with an invalid address, naming the field, and holds nothing', async () => {
      const args = {
        amount: 25,
        address: 'not-a-tron-address',
        currency: 'USDT',
        idempotency_key: randomUUID(),
      };
      const result = await callTool('create_withdrawal', args, creator.apiKey);
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toBe('address: must be a valid TRON base58 address (T…)');
      const held = await stack.db.query('SELECT 1 FROM withdrawals WHERE account_id = $1', [creator.id]);
      expect(held.rowCount).toBe(0);
      const keys = await stack.db.query('SELECT 1 FROM idempotency_keys WHERE account_id = $1', [creator.id]);
      expect(keys.rowCount).toBe(0);
    });

    it('refuses create_withdrawal without an idempotency key, naming the argument', async () => {
      const result = await callTool(
        'create_withdrawal',
        { amount: 25, address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', currency: 'USDT' },
        creator.apiKey,
      );
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toMatch(/^idempotency_key: /);
    });

    it('answers a task escrow larger than the balance with the REST 402 message and holds nothing', async () => {
      const tooBig = { ...validTask, reward_usd: 6, slots: 2 };
      const restAnswer = await rest('POST', '/api/v1/agent/tasks', tooBig);
      const result = await callTool('create_task', tooBig, creator.apiKey);
      expect(restAnswer.status).toBe(402);
      expect(result).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: (restAnswer.body as { error: string }).error }],
        structuredContent: { status: 402, code: 'insufficient_balance' },
      });
      expect(await taskCount(creator.id)).toBe(0);
    });

    it('refuses accepting your own task with the REST 403 message', async () => {
      const created = await callTool('create_task', validTask, creator.apiKey);
      const taskId = created.structuredContent!.id as string;
      const result = await callTool('accept_task', { task_id: taskId }, creator.apiKey);
      expect(result).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'you cannot accept your own task' }],
        structuredContent: { status: 403 },
      });
      const acceptances = await stack.db.query('SELECT 1 FROM task_acceptances WHERE task_id = $1', [taskId]);
      expect(acceptances.rowCount).toBe(0);
    });
  });
});
