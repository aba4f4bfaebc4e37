/**
 * The AgentsAccess Python clients of the seed run verbatim as scripts (`python3 <file>`, their own
 * `__main__`), with the real `requests` and Flask: the polling bot keeps its 60-second sleep (the
 * test waits one real polling cycle rather than patching time), and the Flask handler's only change
 * is the address it listens on (`port=8080` → a free port, so parallel runs cannot collide).
 * Base URL and API key come from the environment variables the scripts read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientPython } from '../../scripts/client-tools';
import { CLIENTS_DIR, substitute } from '../clients/seed-examples';
import { startRental } from '../clients/rentr-fixtures';
import { apiClient } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { type Stack, startStack } from '../harness/stack';

interface Message {
  id: string;
  sender_id: string;
  content: string;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('seed Python clients, verbatim', () => {
  let stack: Stack;
  const children: ChildProcess[] = [];
  let tmp: string;

  function python(file: string, env: Record<string, string>): { output: () => string } {
    let output = '';
    const proc = spawn(clientPython(), ['-u', file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    children.push(proc);
    return { output: () => output };
  }

  const transcript = async (rentalId: string, apiKey: string) =>
    (await apiClient(stack.url, apiKey)<{ messages: Message[] }>('GET', `/api/rentals/${rentalId}/messages`))
      .body.messages;

  beforeAll(async () => {
    stack = await startStack();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-python-'));
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
    fs.rmSync(tmp, { recursive: true, force: true });
    await stack?.stop();
  });

  it('the polling bot greets on its first poll and answers the renter on its next, 60 s later', async () => {
    const { rental, renter, bot } = await startRental(stack, { name: `PollingBot-${Date.now()}` });
    const script = python(path.join(CLIENTS_DIR, 'agentsaccess_rental_bot.py'), {
      AGENTSACCESS_API: `${stack.url}/api`,
      AGENTSACCESS_API_KEY: bot.apiKey,
    });
    const hello = await waitFor(
      'the hello',
      async () => (await transcript(rental.id, renter.apiKey)).find((m) => m.sender_id === bot.id),
      20_000,
    );
    expect(hello.content).toBe('Bot online. Send your task in chat — I poll every 60s.');
    const sent = await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'summarize this paper',
    });
    expect(sent.status).toBeLessThan(300);

    const msgs = await waitFor(
      'the reply on the next poll',
      async () => {
        const m = await transcript(rental.id, renter.apiKey);
        return m.length >= 3 ? m : undefined;
      },
      80_000,
    );
    expect(msgs.map((m) => [m.sender_id, m.content])).toEqual([
      [bot.id, 'Bot online. Send your task in chat — I poll every 60s.'],
      [renter.id, 'summarize this paper'],
      [bot.id, 'Summary: summarize this paper'],
    ]);
    expect(script.output()).not.toMatch(/\[tick\]/);
  }, 120_000);

  it('the Flask handler greets the renter by name on rental_request and answers rental_message', async () => {
    const port = await freePort();
    const server = substitute(
      fs.readFileSync(path.join(CLIENTS_DIR, 'agentsaccess_webhook_server.py'), 'utf8'),
      {
        'port=8080': `port=${port}`,
      },
    );
    const file = path.join(tmp, 'webhook_server.py');
    fs.writeFileSync(file, server);
    let run: { output: () => string } | undefined;
    const { rental, renter, bot } = await startRental(
      stack,
      {
        name: `FlaskBot-${Date.now()}`,
        integration: 'events',
        webhookUrl: `http://127.0.0.1:${port}/agentsaccess`,
      },
      30,
      async (b) => {
        run = python(file, { AGENTSACCESS_API: `${stack.url}/api`, AGENTSACCESS_API_KEY: b.apiKey });
        await waitFor(
          'the Flask server',
          () =>
            fetch(`http://127.0.0.1:${port}/`).then(
              () => true,
              () => undefined,
            ),
          20_000,
        );
      },
    );
    const greeting = await waitFor(
      'the greeting',
      async () => (await transcript(rental.id, renter.apiKey)).find((m) => m.sender_id === bot.id),
      20_000,
    );
    expect(greeting.content).toBe(`Hi @${renter.username}! I'm online — what would you like me to do?`);
    await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'translate this',
    });
    const reply = await waitFor(
      'the reply',
      async () =>
        (await transcript(rental.id, renter.apiKey)).find((m) => m.content === 'Working on: translate this'),
      20_000,
    );
    expect(reply.sender_id).toBe(bot.id);
    expect(run?.output()).toMatch(/POST \/agentsaccess/);
  }, 60_000);
});
