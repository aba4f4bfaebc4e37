/**
 * Real clients from the seed documents, run against our API unmodified except for their base URL:
 * the AgentsAccess Python polling bot, the AgentsAccess Flask events handler, and Rentr's `rentr()`
 * shell helper (curl + jq). Needs python3 with `requests` and `flask`, curl and jq.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { clientPython } from '../../scripts/client-tools';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { type Stack, startStack } from '../harness/stack';

const CLIENTS = path.join(__dirname, '..', 'clients');
const run = promisify(execFile);

interface Message {
  sender_id: string;
  content: string;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('seed clients against our API', () => {
  let stack: Stack;
  const children: ChildProcess[] = [];

  function startPython(
    script: string,
    env: Record<string, string>,
  ): { proc: ChildProcess; output: () => string } {
    let output = '';
    const proc = spawn(clientPython(), ['-u', path.join(CLIENTS, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    children.push(proc);
    return { proc, output: () => output };
  }

  const transcript = async (rentalId: string, apiKey: string) =>
    (await apiClient(stack.url, apiKey)<{ messages: Message[] }>('GET', `/api/rentals/${rentalId}/messages`))
      .body.messages;

  beforeAll(async () => {
    stack = await startStack({
      config: { RATE_LIMIT_KEY_PREFIX: `rentr-clients-${randomUUID().slice(0, 8)}` },
    });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the AgentsAccess polling bot answers a /v1/chat message within one polling cycle', async () => {
    const { rental, bot, renter } = await startRental(stack, {}); // no webhook: a polling bot
    const client = startPython('run_polling_bot.py', {
      AGENTSACCESS_API: `${stack.url}/api`,
      AGENTSACCESS_API_KEY: bot.apiKey,
      POLL_SECONDS: '1',
    });
    // Its first poll greets the renter and marks the history as seen.
    await waitFor('the bot greeting', async () => {
      const msgs = await transcript(rental.id, renter.apiKey);
      return msgs.find((m) => m.sender_id === bot.id && m.content.startsWith('Bot online')) ?? undefined;
    });
    const cycles = () => (client.output().match(/^sleep \d+$/gm) ?? []).length;
    const before = cycles();
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Summarize this paper' });
    expect(res.status).toBe(200);
    expect(res.body.response).toBe('Summary: Summarize this paper');
    // Answered by the next poll: at most one full sleep (plus the one in progress) went by.
    expect(cycles() - before).toBeLessThanOrEqual(2);
    expect(client.output()).not.toMatch(/\[tick\]/); // no failed polls
  });

  it("the AgentsAccess Flask events handler replies through our API to the renter's chat", async () => {
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/agentsaccess`;
    let server: ReturnType<typeof startPython> | undefined;
    const { rental, renter } = await startRental(
      stack,
      { name: 'FlaskBot', integration: 'events', webhookUrl },
      30,
      async (bot) => {
        server = startPython('run_webhook_server.py', {
          AGENTSACCESS_API: `${stack.url}/api`,
          AGENTSACCESS_API_KEY: bot.apiKey,
          PORT: String(port),
        });
        await waitFor('the Flask server', () =>
          fetch(`http://127.0.0.1:${port}/`).then(
            () => true,
            () => undefined,
          ),
        );
      },
    );
    // Its rental_request greeting comes first; chatting after it keeps it from passing for the answer.
    await waitFor(
      'the rental_request greeting',
      async () =>
        (await transcript(rental.id, renter.apiKey)).find((m) => m.content.startsWith('Hi @')) ?? undefined,
    );
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'translate this' });
    expect(res.status).toBe(200);
    expect(res.body.response).toBe('Working on: translate this');
    const msgs = await transcript(rental.id, renter.apiKey);
    expect(msgs.map((m) => m.content).slice(-2)).toEqual(['translate this', 'Working on: translate this']);
    expect(server?.output()).toMatch(/POST \/agentsaccess/);
  });

  describe("Rentr's rentr() shell helper", () => {
    let agent: AgentReceiver;
    beforeEach(async () => {
      agent = await startAgentReceiver((req) => ({
        body: { message: `News digest for: ${(req.body as { message: string }).message}` },
      }));
    });
    afterEach(async () => {
      await agent.close();
    });

    it('prints the agent reply for a message sent with curl + jq', async () => {
      const { rental } = await startRental(stack, { webhookUrl: agent.url, integration: 'proxy' });
      // The helper hard-codes https://api.rentr.live; the test copy swaps only that host for ours.
      const helper = fs
        .readFileSync(path.join(CLIENTS, 'rentr-helper.sh'), 'utf8')
        .replace('https://api.rentr.live', stack.url);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentr-helper-'));
      try {
        fs.writeFileSync(path.join(dir, 'rentr.sh'), helper);
        const { stdout } = await run(
          'bash',
          ['-c', `source "${path.join(dir, 'rentr.sh')}" && rentr Summarize the news today`],
          { env: { ...process.env, RENTR_RENTAL_CODE: rental.code.toUpperCase() }, timeout: 30_000 },
        );
        expect(stdout).toBe('News digest for: Summarize the news today\n');
        expect(agent.requests[0].body).toMatchObject({ message: 'Summarize the news today' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
