/**
 * A worker process dies (SIGKILL) while a renter's streamed `/v1/chat` is mid-stream. A proxy
 * agent's chat runs in the API (the rentals row is its gate), so the stream goes on to `done`, the
 * reply is stored once, and the rental — its workflow picked up by a new worker — still ends and
 * settles exactly once. (A worker SIGKILL test the issue asks for; the chat never touches the worker.)
 */
import { randomUUID } from 'node:crypto';
import { rentalWorkflowId } from '../../workflows/rental/contract';
import { startAgentReceiver, type AgentReceiver } from '../clients/agent-receiver';
import { startRental } from '../clients/rentr-fixtures';
import { apiClient, assertLedgerConsistent } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';

describe('streamed chat across a worker crash', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: { RATE_LIMIT_KEY_PREFIX: `rentr-stream-crash-${randomUUID().slice(0, 8)}` },
    });
    agent = await startAgentReceiver();
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await agent?.close();
    await stack?.stop();
  });

  async function freshWorker(): Promise<void> {
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  }

  it('streams to done, stores the reply once, and the rental still settles once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    agent.respond(() => ({
      contentType: 'text/event-stream',
      chunks: (async function* () {
        yield 'data: {"delta":"before the crash, "}\n\n';
        await gate;
        yield 'data: {"delta":"after it"}\n\n';
      })(),
    }));
    await freshWorker();
    const { rental, renter } = await startRental(stack, {
      webhookUrl: agent.url,
      webhookToken: 'secret-token',
      integration: 'proxy',
    });

    const res = await fetch(`${stack.url}/v1/chat`, {
      method: 'POST',
      headers: { 'X-API-Key': rental.code, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'Keep going' }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await worker!.kill('SIGKILL'); // mid-stream
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('event: done\ndata: {"success":true');
    expect(text).toContain('"response":"before the crash, after it"');

    await freshWorker();
    const renterApi = apiClient(stack.url, renter.apiKey);
    expect((await renterApi('POST', `/api/rentals/${rental.id}/end`, {})).status).toBe(200);
    const final = await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    expect(final).toMatchObject({ status: 'ended', settled: true });
    const journals = await stack.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_journals WHERE reference = $1 ORDER BY created_at',
      [`rental:${rental.id}`],
    );
    // Ended early: the unused minutes are refunded. Each posting once.
    expect(journals.rows.map((j) => j.kind).sort()).toEqual([
      'rental_hold',
      'rental_refund',
      'rental_settlement',
    ]);
    const transcript = await renterApi<{ messages: { content: string }[] }>(
      'GET',
      `/api/rentals/${rental.id}/messages`,
    );
    expect(transcript.body.messages.map((m) => m.content)).toEqual([
      'Keep going',
      'before the crash, after it',
    ]);
    await assertLedgerConsistent(stack.db);
  }, 180_000);
});
