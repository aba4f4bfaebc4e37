/**
 * Server-side request deadlines against real processes: a worker process stalled with SIGSTOP, a
 * Temporal that accepts connections and answers nothing (a stalling TCP proxy in front of the real
 * dev server), and a slow proxy agent behind several queued `/v1/chat` calls. Deadlines are
 * configured short (3 s, MCP 2 s) so each case is quick; the defaults are 30 s / 45 s / 15 s.
 */
import { randomUUID } from 'node:crypto';
import { createApiDeps, type RunningApi, startApi } from '../../api/server';
import type { ApiDeps } from '../../api/deps';
import { deterministicUuid } from '../../domain/ids';
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { rentalStatusQuery, rentalWorkflowId } from '../../workflows/rental/contract';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { startRental } from '../clients/rentr-fixtures';
import { apiClient, availableMicro, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, testConfig } from '../harness/stack';
import { maybeRecordHistory } from '../harness/record';
import { startStallProxy, type StallProxy } from '../harness/stall-proxy';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';

const DEADLINE_MS = 3_000;
const MCP_DEADLINE_MS = 2_000;
const AGENT_TIMEOUT_MS = 4_000;
/** Time allowed on top of a deadline for the answer to travel (loaded CI machine). */
const SLACK_MS = 1_500;
/** The test's own patience: far below what a request without a deadline would take. */
const CLIENT_GIVES_UP_MS = 15_000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  elapsedMs: number;
}

/** One JSON request that the test abandons after CLIENT_GIVES_UP_MS (a hung request fails the test). */
async function timed(url: string, init: RequestInit): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(CLIENT_GIVES_UP_MS) });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    retryAfter: res.headers.get('retry-after'),
    elapsedMs: Date.now() - started,
  };
}

const json = (apiKey: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey, ...headers },
  body: JSON.stringify(body),
});

describe('request deadlines', () => {
  let stack: Stack;
  let worker: WorkerProcess;

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: {
        REQUEST_DEADLINE_MS: String(DEADLINE_MS),
        MCP_REQUEST_DEADLINE_MS: String(MCP_DEADLINE_MS),
        // One relay may take longer than a whole chat budget: the budget must still win.
        AGENT_PROXY_TIMEOUT_MS: String(AGENT_TIMEOUT_MS),
      },
    });
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  }, 120_000);
  afterAll(async () => {
    if (worker?.child.pid) process.kill(worker.child.pid, 'SIGCONT');
    await worker?.kill('SIGKILL');
    await stack?.stop();
  });

  /** A running rental whose workflow the worker has picked up (its first task is done). */
  async function liveRental() {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 1 });
    const renter = await createFundedAccount(stack.db, 100);
    const res = await apiClient(stack.url, renter.apiKey)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 30,
    });
    expect(res.status).toBe(201);
    await stack.client.workflow.getHandle(rentalWorkflowId(res.body.id)).query(rentalStatusQuery);
    return { renter, rentalId: res.body.id };
  }

  /** Runs `fn` with the worker process frozen (SIGSTOP), always thawing it afterwards. */
  async function withWorkerStalled<T>(fn: () => Promise<T>): Promise<T> {
    const pid = worker.child.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      return await fn();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }

  it('answers 504 with Retry-After: 5 within the deadline when the worker is stalled, naming the rental', async () => {
    const { renter, rentalId } = await liveRental();
    const res = await withWorkerStalled(() =>
      timed(`${stack.url}/api/rentals/${rentalId}/messages`, json(renter.apiKey, { content: 'hello?' })),
    );
    expect(res.status).toBe(504);
    expect(res.retryAfter).toBe('5');
    expect(res.body).toMatchObject({ code: 'timeout', outcome: 'unknown', rental_id: rentalId });
    expect(res.body.error).toMatch(/outcome unknown/);
    expect(res.elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(res.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
  }, 60_000);

  it('answers an MCP tool call past the MCP deadline with HTTP 504 and a JSON-RPC error', async () => {
    const { renter, rentalId } = await liveRental();
    const res = await withWorkerStalled(() =>
      timed(
        `${stack.url}/api/v1/mcp`,
        json(renter.apiKey, {
          jsonrpc: '2.0',
          id: 41,
          method: 'tools/call',
          params: { name: 'send_rental_message', arguments: { rental_id: rentalId, content: 'hi' } },
        }),
      ),
    );
    expect(res.status).toBe(504);
    expect(res.retryAfter).toBe('5');
    expect(res.body).toMatchObject({
      jsonrpc: '2.0',
      id: 41,
      error: { code: -32001, data: { code: 'timeout', status: 504, rental_id: rentalId } },
    });
    expect(res.elapsedMs).toBeLessThan(MCP_DEADLINE_MS + SLACK_MS);
  }, 60_000);

  describe('with Temporal stalled', () => {
    let proxy: StallProxy;
    let deps: ApiDeps;
    let api: RunningApi;

    beforeAll(async () => {
      proxy = await startStallProxy(stack.config.TEMPORAL_ADDRESS);
      // A second API process' worth of wiring whose Temporal is reached through the proxy.
      deps = createApiDeps(
        testConfig({
          TEMPORAL_ADDRESS: proxy.address,
          TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
          REQUEST_DEADLINE_MS: String(DEADLINE_MS),
        }),
      );
      api = await startApi(deps, 0, '127.0.0.1');
      // Connected before the stall: the start request itself is what gets stuck.
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
    });
    afterAll(async () => {
      proxy?.resume();
      await api?.close();
      await deps?.db.end();
      await deps?.temporalConnection.close();
      await proxy?.close();
    });

    it('answers POST /api/rentals with 504 naming the rental id; the same Idempotency-Key later answers the real rental', async () => {
      const owner = await createTestAccount(stack.db);
      const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 1 });
      const renter = await createFundedAccount(stack.db, 100);
      const key = `deadline-${randomUUID()}`;
      const rentalId = deterministicUuid(renter.id, 'rentals.create', key);
      const request = json(renter.apiKey, { agent_id: bot.id, minutes: 30 }, { 'Idempotency-Key': key });

      proxy.stall();
      let timedOut: Answer;
      try {
        timedOut = await timed(`${api.url}/api/rentals`, request);
      } finally {
        proxy.resume();
      }
      expect(timedOut.status).toBe(504);
      expect(timedOut.retryAfter).toBe('5');
      expect(timedOut.body).toMatchObject({ code: 'timeout', outcome: 'unknown', rental_id: rentalId });
      expect(timedOut.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);

      // Neither stuck "in flight" nor the 504 replayed: the retry finishes the rental.
      const retried = await timed(`${api.url}/api/rentals`, request);
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject({ id: rentalId, status: 'active', minutes: 30 });
      const view = await stack.client.workflow.getHandle(rentalWorkflowId(rentalId)).query(rentalStatusQuery);
      expect(view).toMatchObject({ rentalId, status: 'active' });
      const holds = await stack.db.query('SELECT 1 FROM ledger_journals WHERE reference = $1', [
        `rental:${rentalId}`,
      ]);
      expect(holds.rowCount).toBe(1);
      expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(70));
      expect(
        await balanceOf(stack.db, { ownerId: renter.id, purpose: 'escrow', subject: `rental:${rentalId}` }),
      ).toBe(toMicro(30));
    }, 60_000);
  });

  describe('/v1/chat', () => {
    let agent: AgentReceiver;
    beforeEach(async () => {
      agent = await startAgentReceiver();
    });
    afterEach(async () => {
      await agent.close();
    });

    it('answers every queued chat of a rental 503 within one budget; the queued ones never reach the agent', async () => {
      agent.respond(() => ({ hang: true }));
      const { rental, renter } = await startRental(stack, { webhookUrl: agent.url, integration: 'proxy' });
      const started = Date.now();
      const results = await Promise.all(
        [1, 2, 3].map((n) =>
          timed(`${stack.url}/v1/chat`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-API-Key': rental.code },
            body: JSON.stringify({ message: `m${n}` }),
          }),
        ),
      );
      const elapsedMs = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual([503, 503, 503]);
      for (const r of results) {
        expect(r.body).toEqual({ error: 'Agent unreachable', code: 'agent_unreachable' });
        expect(r.retryAfter).toBe('5');
      }
      expect(elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
      // Long after their clients gave up, the queued chats still have not been relayed or stored.
      await new Promise((r) => setTimeout(r, AGENT_TIMEOUT_MS + 1_000));
      expect(agent.requests).toHaveLength(1);
      const transcript = await apiClient(stack.url, renter.apiKey)<{ messages: { content: string }[] }>(
        'GET',
        `/api/rentals/${rental.id}/messages`,
      );
      expect(transcript.body.messages).toHaveLength(1);

      await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
      await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
      maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-chat-deadline');
    }, 60_000);
  });
});
