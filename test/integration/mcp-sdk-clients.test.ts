/**
 * The MCP SDK's own client against the real stack, over Streamable HTTP and over the older SSE
 * transport: the bot journey register → balance → create task → another bot accepts and submits
 * proof, and a withdrawal retried with one idempotency key.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { randomUUID } from 'node:crypto';
import { apiClient, createFundedAccount, createTestAccount, fund } from '../harness/fixtures';
import { MCP_TOOL_NAMES } from '../harness/mcp-tools';
import { type Stack, startStack } from '../harness/stack';

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

/** The BIP-39 test vector mnemonic; deposit addresses derive from it. */
const TEST_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** A valid TRON base58 address (the USDT contract on mainnet), used only as a payout target. */
const PAYOUT_ADDRESS = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

type Connect = (url: string, apiKey?: string) => Promise<Client>;

const headersOf = (apiKey?: string) => (apiKey ? { 'X-API-Key': apiKey } : undefined);

const connectStreamable: Connect = async (url, apiKey) => {
  const client = new Client({ name: 'mcp-test-bot', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/api/v1/mcp`), {
    requestInit: { headers: headersOf(apiKey) },
  });
  await client.connect(transport as Transport);
  return client;
};

const connectSse: Connect = async (url, apiKey) => {
  const client = new Client({ name: 'mcp-test-bot', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(`${url}/api/v1/mcp/sse`), {
    requestInit: { headers: headersOf(apiKey) },
  });
  await client.connect(transport);
  return client;
};

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

async function ok(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await call(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
  return result.structuredContent!;
}

describe('MCP over the SDK client', () => {
  let stack: Stack;
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startStack({
      config: {
        RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000',
        RATE_LIMIT_KEY_PREFIX: `mcp-${randomUUID().slice(0, 8)}`,
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        // A new payout address waits in review, so no test withdrawal is ever broadcast.
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'true',
      },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack?.stop();
  });

  describe('idempotency shared with REST', () => {
    it('returns the withdrawal made over REST when MCP retries it with the same key', async () => {
      const bot = await createFundedAccount(stack.db, 50, { kind: 'bot' });
      const key = `withdraw-${randomUUID()}`;
      const body = { amount: 20, address: PAYOUT_ADDRESS, currency: 'USDT' };
      const viaRest = await apiClient(stack.url, bot.apiKey)('POST', '/api/v1/finance/withdraw', body, {
        'Idempotency-Key': key,
      });
      expect(viaRest.status).toBe(200);

      const client = await connectStreamable(stack.url, bot.apiKey);
      clients.push(client);
      const viaMcp = await call(client, 'create_withdrawal', { ...body, idempotency_key: key });

      expect(viaMcp.structuredContent).toEqual(viaRest.body);
      const withdrawals = await stack.db.query('SELECT 1 FROM withdrawals WHERE account_id = $1', [bot.id]);
      expect(withdrawals.rowCount).toBe(1);
    });

    it('refuses a key reused with a different amount with the REST 422 message and holds nothing more', async () => {
      const bot = await createFundedAccount(stack.db, 100, { kind: 'bot' });
      const client = await connectStreamable(stack.url, bot.apiKey);
      clients.push(client);
      const args = { amount: 30, address: PAYOUT_ADDRESS, currency: 'USDT', idempotency_key: randomUUID() };
      expect((await call(client, 'create_withdrawal', args)).isError).toBeFalsy();

      const reused = await call(client, 'create_withdrawal', { ...args, amount: 40 });

      expect(reused).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'Idempotency-Key was already used with different parameters' }],
        structuredContent: { status: 422 },
      });
      expect(await ok(client, 'get_balance')).toMatchObject({ available_balance: 70, held_balance: 30 });
    });
  });

  describe('rentals', () => {
    it('lets a rented bot list its rentals, post a message and read the transcript', async () => {
      const agent = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 0.1 });
      const renter = await createFundedAccount(stack.db, 5);
      const rental = await apiClient(stack.url, renter.apiKey)('POST', '/api/rentals', {
        agent_id: agent.id,
        minutes: 10,
      });
      expect(rental.status).toBe(201);
      const rentalId = rental.body.id as string;
      const bot = await connectStreamable(stack.url, agent.apiKey);
      clients.push(bot);

      const listed = await ok(bot, 'list_rentals', { status: 'active' });
      expect((listed.rentals as { id: string }[]).map((r) => r.id)).toEqual([rentalId]);

      const sent = await ok(bot, 'send_rental_message', { rental_id: rentalId, content: 'Hello, renter!' });
      expect(sent).toMatchObject({ rental_id: rentalId, sender_id: agent.id, content: 'Hello, renter!' });

      const transcript = await ok(bot, 'get_rental_messages', { rental_id: rentalId });
      expect(transcript.messages).toEqual([
        expect.objectContaining({ id: sent.id, content: 'Hello, renter!' }),
      ]);
    });
  });

  describe.each([
    ['Streamable HTTP', connectStreamable],
    ['SSE', connectSse],
  ] as const)('over %s', (_transport, connect) => {
    const open = async (apiKey?: string) => {
      const client = await connect(stack.url, apiKey);
      clients.push(client);
      return client;
    };

    it('initializes with the server info and lists every bot API tool', async () => {
      const client = await open();
      expect(client.getServerVersion()).toEqual({ name: 'agentrent', version: '0.1.0' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...MCP_TOOL_NAMES].sort());
      const createTask = tools.find((t) => t.name === 'create_task')!;
      expect(createTask.inputSchema.required).toEqual(
        expect.arrayContaining(['title', 'description', 'category', 'reward_usd', 'slots']),
      );
      expect(createTask.inputSchema.properties).toMatchObject({ reward_usd: { type: 'number' } });
    });

    it('registers an agent without credentials and reads its balance with the returned key', async () => {
      const anonymous = await open();
      const registration = await ok(anonymous, 'register_agent', { agent_name: 'MCP Bot' });
      expect(registration).toMatchObject({
        success: true,
        agent_name: 'MCP Bot',
        api_key: expect.stringMatching(/^rr_live_/),
        note: 'Use X-API-Key header for all requests.',
      });

      await fund(stack.db, registration.user_id as string, 12.5);
      const bot = await open(registration.api_key as string);
      const result = await call(bot, 'get_balance');
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({
        available_balance: 12.5,
        held_balance: 0,
        total_balance: 12.5,
        currency: 'USDT',
      });
      expect(result.content[0].text).toBe('Available 12.5 USDT, held 0 USDT, total 12.5 USDT.');
    });

    it('lets one bot create a task and another accept it and submit proof', async () => {
      const anonymous = await open();
      const creatorReg = await ok(anonymous, 'register_agent', { agent_name: 'Task Creator' });
      const workerReg = await ok(anonymous, 'register_agent', { agent_name: 'Task Worker' });
      await fund(stack.db, creatorReg.user_id as string, 10);
      const creator = await open(creatorReg.api_key as string);
      const worker = await open(workerReg.api_key as string);

      const title = `Follow us ${randomUUID()}`;
      const task = await ok(creator, 'create_task', {
        title,
        description: 'Follow the account and post the link',
        category: 'social',
        reward_usd: 1.5,
        slots: 2,
      });
      expect(task).toMatchObject({ success: true, title, slots: 2, reward_usd: 1.5, escrow_usd: 3 });
      expect(await ok(creator, 'get_balance')).toMatchObject({ available_balance: 7, held_balance: 3 });

      const found = await ok(worker, 'search_tasks', { category: 'social', query: title, limit: 5 });
      expect((found.tasks as { id: string }[]).map((t) => t.id)).toEqual([task.id]);

      const accepted = await ok(worker, 'accept_task', {
        task_id: task.id,
        idempotency_key: `accept-${task.id}`,
      });
      expect(accepted).toMatchObject({ success: true, task_id: task.id, status: 'accepted' });

      const submitted = await ok(worker, 'submit_proof', {
        task_id: task.id,
        proof_url: 'https://x.com/user/status/123',
        proof_text: 'Done',
        idempotency_key: `submit-${task.id}`,
      });
      expect(submitted).toMatchObject({
        success: true,
        task_id: task.id,
        acceptance_id: accepted.acceptance_id,
        worker_id: workerReg.user_id,
        status: 'submitted',
        proof_text: 'Done',
        proof_url: 'https://x.com/user/status/123',
      });
      expect(submitted.review_deadline).toEqual(expect.any(String));
    });

    it('returns one stable TRC-20 deposit address per account from create_deposit', async () => {
      const reg = await ok(await open(), 'register_agent', { agent_name: 'Depositor' });
      const bot = await open(reg.api_key as string);
      const first = await ok(bot, 'create_deposit');
      expect(first).toEqual({
        address: expect.stringMatching(/^T[1-9A-HJ-NP-Za-km-z]{33}$/),
        network: 'trc20',
        currency: 'USDT',
      });
      expect(await ok(bot, 'create_deposit')).toEqual(first);
    });

    it('creates one withdrawal when create_withdrawal is called twice with the same idempotency key', async () => {
      const reg = await ok(await open(), 'register_agent', { agent_name: 'Withdrawer' });
      const accountId = reg.user_id as string;
      await fund(stack.db, accountId, 100);
      const bot = await open(reg.api_key as string);
      const args = {
        amount: 25,
        address: PAYOUT_ADDRESS,
        currency: 'USDT',
        idempotency_key: `withdraw-${randomUUID()}`,
      };

      const first = await call(bot, 'create_withdrawal', args);
      const second = await call(bot, 'create_withdrawal', args);

      expect(first.isError).toBeFalsy();
      expect(first.structuredContent).toEqual({
        withdrawal_id: expect.any(String),
        amount: 25,
        fee: 1.5,
        net_amount: 23.5,
        status: 'queued',
      });
      expect(second.structuredContent).toEqual(first.structuredContent);
      const withdrawals = await stack.db.query('SELECT id FROM withdrawals WHERE account_id = $1', [
        accountId,
      ]);
      expect(withdrawals.rows.map((r) => r.id)).toEqual([first.structuredContent!.withdrawal_id]);
      expect(await ok(bot, 'get_balance')).toMatchObject({ available_balance: 75, held_balance: 25 });
    });
  });
});
