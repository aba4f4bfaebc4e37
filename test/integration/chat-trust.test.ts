/**
 * `/v1/chat` across processes: a chat with a proxy agent runs in the API, gated by the rentals row
 * the workflow shares (chat lease, seq, transcript closed by the end); other agents chat through
 * the workflow. What must hold when processes die, race the end, or come two at a time: stored
 * once, its event delivered once, nothing after the end, one relay at a time per rental.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import { rentalStatusQuery, rentalWorkflowId } from '../../workflows/rental/contract';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await sleep(250);
  }
}

describe('/v1/chat across processes', () => {
  let stack: Stack;
  let worker: WorkerProcess | undefined;
  let agent: AgentReceiver;
  const proxy = () => ({ webhookUrl: agent.url, webhookToken: 't', integration: 'proxy' as const });

  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await stack?.stop();
  });
  beforeEach(async () => {
    agent = await startAgentReceiver(() => ({ body: { message: 'pong' } }));
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  });
  afterEach(async () => {
    await worker?.kill('SIGKILL');
    await agent.close();
  });

  const transcript = (rentalId: string) =>
    stack.db
      .query<{ sender_id: string; content: string; created_at: Date }>(
        'SELECT sender_id, content, created_at FROM rental_messages WHERE rental_id = $1 ORDER BY seq',
        [rentalId],
      )
      .then((r) => r.rows);
  const messageEvents = (botId: string) =>
    stack.db
      .query<{ body: string }>(
        "SELECT body FROM notifications WHERE account_id = $1 AND type = 'rental_message'",
        [botId],
      )
      .then((r) => r.rows.map((n) => n.body));

  it('a chat answered just before its worker is SIGKILLed is stored once and its event delivered once', async () => {
    const { rental, bot } = await startRental(stack, proxy());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'before the crash' });
    expect(res.status).toBe(200);
    // The event's activity was scheduled with the answer; the worker dies before (or while) it runs.
    await worker!.kill('SIGKILL');
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;

    const events = await eventually(
      () => messageEvents(bot.id),
      (e) => e.length > 0,
    );
    await sleep(2_000); // a second delivery, if there were one, would land by now
    expect(await messageEvents(bot.id)).toEqual(['before the crash']);
    expect(events).toEqual(['before the crash']);
    expect((await transcript(rental.id)).map((m) => m.content)).toEqual(['before the crash', 'pong']);
    expect(agent.requests).toHaveLength(1);
  }, 120_000);

  it('a chat whose worker is SIGKILLed mid-relay is stored once, relayed once and its event delivered once', async () => {
    let relayed!: () => void;
    const arrived = new Promise<void>((r) => (relayed = r));
    agent.respond(() => {
      relayed();
      return { body: { message: 'late pong' }, delayMs: 1_000 };
    });
    const { rental, bot } = await startRental(stack, proxy());
    const chat = rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'during the crash' });
    await arrived;
    await worker!.kill('SIGKILL');
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;

    // The re-run task finds the relay claimed: the renter is told to resend (503), never relayed twice.
    const res = await chat;
    expect([200, 503]).toContain(res.status);
    await eventually(
      () => messageEvents(bot.id),
      (e) => e.length > 0,
    );
    await sleep(2_000);
    expect(await messageEvents(bot.id)).toEqual(['during the crash']);
    const stored = (await transcript(rental.id)).filter((m) => m.content === 'during the crash');
    expect(stored).toHaveLength(1);
    expect(agent.requests).toHaveLength(1);
  }, 120_000);

  /**
   * Starts a chat whose agent answers after `relayMs`, ends the rental while the relay runs, and
   * waits for the settlement; returns the rental and the chat's answer.
   */
  async function chatRacingTheEnd(relayMs: number) {
    agent.respond(() => ({ body: { message: 'too late' }, delayMs: relayMs }));
    const { rental, renter } = await startRental(stack, proxy());
    const chat = rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'racing the end' });
    await eventually(
      async () => agent.requests.length,
      (n) => n > 0,
    );
    const ended = await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    expect(ended.status).toBe(200);
    const res = await chat;
    const handle = stack.client.workflow.getHandle(rentalWorkflowId(rental.id));
    const view = await handle.result();
    return { rental, res, view, handle };
  }

  it('a chat racing the end of its rental stores nothing after the end', async () => {
    // Slower than the workflow task's heartbeat (8 s), so the end is handled while the relay runs.
    const { rental, res, view } = await chatRacingTheEnd(9_000);
    expect([200, 403, 503]).toContain(res.status);
    const endedAt = Date.parse(view.endedAt!);
    const messages = await transcript(rental.id);
    expect(messages.map((m) => m.content)).toEqual(['racing the end']);
    for (const m of messages) expect(m.created_at.getTime()).toBeLessThanOrEqual(endedAt);
    const after = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'after the end' });
    expect(after.status).toBe(403);
    expect((await transcript(rental.id)).map((m) => m.content)).toEqual(['racing the end']);
  }, 120_000);

  it('an end during a short relay waits for the chat to store its reply, and comes after it', async () => {
    const { rental, res, view } = await chatRacingTheEnd(500);
    expect(res.status).toBe(200);
    const messages = await transcript(rental.id);
    expect(messages.map((m) => m.content)).toEqual(['racing the end', 'too late']);
    for (const m of messages) expect(m.created_at.getTime()).toBeLessThanOrEqual(Date.parse(view.endedAt!));
  }, 120_000);

  it('chats through the API and through the workflow share one transcript order, closed by the end', async () => {
    const { rental, renter, bot } = await startRental(stack, proxy());
    const chat = rentrCall(stack, rental.code);
    expect((await chat('POST', '/v1/chat', { message: 'to the proxy' })).status).toBe(200);
    // The bot turns into a polling agent: the next chat goes through the workflow and waits for its reply.
    await stack.db.query("UPDATE accounts SET integration = 'events', webhook_url = NULL WHERE id = $1", [
      bot.id,
    ]);
    const asked = chat<{ response: string }>('POST', '/v1/chat', { message: 'to the poller' });
    await eventually(
      () => transcript(rental.id),
      (m) => m.length === 3,
    );
    const replied = await apiClient(stack.url, bot.apiKey)('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'from the poller',
    });
    expect(replied.status).toBe(201);
    const answer = await asked;
    expect(answer.status).toBe(200);
    expect(answer.body.response).toBe('from the poller');
    expect(
      (await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {})).status,
    ).toBe(200);
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    const seqs = await stack.db.query<{ seq: number; content: string }>(
      'SELECT seq, content FROM rental_messages WHERE rental_id = $1 ORDER BY seq',
      [rental.id],
    );
    expect(seqs.rows).toEqual([
      { seq: 1, content: 'to the proxy' },
      { seq: 2, content: 'pong' },
      { seq: 3, content: 'to the poller' },
      { seq: 4, content: 'from the poller' },
    ]);
    const refused = await apiClient(stack.url, bot.apiKey)('POST', `/api/rentals/${rental.id}/messages`, {
      content: 'after the end',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-row-transcript');
  }, 120_000);

  /**
   * KNOWN DEFECT of runs recorded while proxy chats relayed in a local activity: a relay longer
   * than the workflow task heartbeat (8 s) could let the end's update into the task that got the
   * relay's result; replay delivers both in one activation and the commands come out in another
   * order (TMPRL1100), so such a run cannot be rebuilt. New runs no longer relay in the workflow
   * (rental-row-transcript), so they cannot record this; the old history is what it is and stays
   * `failing`. See docs/PERFORMANCE.md, "Chat: known risk".
   */
  it.failing(
    'a recorded chat whose relay outlived the heartbeat, raced by the end, replays',
    async () => {
      const file = path.join(
        __dirname,
        '..',
        'fixtures',
        'known-defects',
        'rental-chat-relay-outlives-heartbeat-end.json',
      );
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../replay/all-workflows'), replayName: 'chat-race' },
        historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))),
      );
    },
    120_000,
  );

  const notificationsOf = (botId: string) =>
    stack.db
      .query<{ type: string; body: string; created_at: Date }>(
        `SELECT type, body, created_at FROM notifications
          WHERE account_id = $1 AND type IN ('rental_message', 'rental_ended') ORDER BY created_at, type`,
        [botId],
      )
      .then((r) => r.rows);

  it('an API process SIGKILLed between storing a chat and answering it leaves the message stored once and its event delivered once, before the end', async () => {
    let relayed!: () => void;
    const arrived = new Promise<void>((r) => (relayed = r));
    agent.respond(() => {
      relayed();
      return { body: { message: 'nobody hears this' }, delayMs: 2_000 };
    });
    const { rental, renter, bot } = await startRental(stack, proxy());
    const doomed = await spawnApiProcess(stack);
    const chat = apiClient(doomed.url)(
      'POST',
      '/v1/chat',
      { message: 'then the API died' },
      { 'X-API-Key': rental.code },
    );
    await arrived; // stored, lease taken, agent being asked
    await doomed.kill();
    await chat.catch(() => undefined);

    const ended = await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    expect(ended.status).toBe(200);
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    await sleep(2_000); // a second delivery, if there were one, would land by now
    expect((await transcript(rental.id)).map((m) => m.content)).toEqual(['then the API died']);
    expect(agent.requests).toHaveLength(1);
    const notes = await notificationsOf(bot.id);
    expect(notes.map((n) => [n.type, n.body])).toEqual([
      ['rental_message', 'then the API died'],
      ['rental_ended', expect.any(String)],
    ]);
  }, 120_000);

  it('chats racing the end of their rental never land after it, and every answered one is in the transcript with its event', async () => {
    agent.respond(() => ({ body: { message: 'pong' }, delayMs: 20 }));
    const { rental, renter, bot } = await startRental(stack, proxy());
    const call = rentrCall(stack, rental.code);
    const answered: string[] = [];
    let refused = 0;
    const chats = (async () => {
      for (let i = 0; refused === 0 && i < 200; i++) {
        const res = await call('POST', '/v1/chat', { message: `m${i}` });
        if (res.status === 200) answered.push(`m${i}`);
        else refused++;
      }
    })();
    await eventually(
      async () => answered.length,
      (n) => n >= 3,
    );
    const ended = await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    expect(ended.status).toBe(200);
    await chats;
    const view = await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    const endedAt = Date.parse(view.endedAt!);

    const messages = await transcript(rental.id);
    for (const m of messages) expect(m.created_at.getTime()).toBeLessThanOrEqual(endedAt);
    const asked = messages.filter((m) => m.sender_id !== bot.id).map((m) => m.content);
    expect(asked.slice(0, answered.length)).toEqual(answered);
    expect(asked.length - answered.length).toBeLessThanOrEqual(1); // the one the end cut off, if any
    const notes = await notificationsOf(bot.id);
    expect(notes.at(-1)?.type).toBe('rental_ended');
    expect(notes.filter((n) => n.type === 'rental_message').map((n) => n.body)).toEqual(asked);
    expect((await call('POST', '/v1/chat', { message: 'after the end' })).status).toBe(403);
  }, 120_000);

  it('chats on one rental through two API processes are relayed one at a time, each stored once', async () => {
    agent.respond(() => ({ body: { message: 'pong' }, delayMs: 50 }));
    const { rental, bot } = await startRental(stack, proxy());
    const second = await spawnApiProcess(stack);
    try {
      const apis = [stack.url, second.url];
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          apiClient(apis[i % 2])('POST', '/v1/chat', { message: `m${i}` }, { 'X-API-Key': rental.code }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(agent.maxInFlight).toBe(1);
      expect(agent.requests).toHaveLength(8);
      const messages = await transcript(rental.id);
      const asked = messages.filter((m) => m.sender_id !== bot.id).map((m) => m.content);
      expect([...asked].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`).sort());
      // Each question is followed by its own answer: the transcript alternates.
      expect(messages.map((m) => (m.sender_id === bot.id ? 'bot' : 'renter'))).toEqual(
        Array.from({ length: 16 }, (_, i) => (i % 2 ? 'bot' : 'renter')),
      );
      const events = await eventually(
        () => messageEvents(bot.id),
        (e) => e.length >= 8,
      );
      expect([...events].sort()).toEqual([...asked].sort());
      const handle = stack.client.workflow.getHandle(rentalWorkflowId(rental.id));
      expect((await handle.query(rentalStatusQuery)).status).toBe('active');
    } finally {
      await second.kill();
    }
  }, 120_000);
});

/** A second API as its own OS process (`api/server.ts`), on the same database and Temporal. */
async function spawnApiProcess(stack: Stack): Promise<{ url: string; kill(): Promise<void> }> {
  const root = path.join(__dirname, '..', '..');
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...Object.fromEntries(
      Object.entries(stack.config)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
    PORT: String(port),
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'api/server.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('api listening on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`api exited early (${code}): ${output.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
