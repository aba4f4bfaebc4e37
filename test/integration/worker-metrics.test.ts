/**
 * The worker's business metrics, scraped over HTTP from the production worker process
 * (worker/main.ts with WORKER_METRICS_PORT on a free port) while real deposits, withdrawals,
 * webhook deliveries and reconciler repairs go through it. Each counter and gauge moves by
 * exactly what happened; the SDK's own log lines come out as pino JSON.
 */
import { randomUUID } from 'node:crypto';
import { utils } from 'tronweb';
import { ensureDepositWatcher } from '../../activities/deposit-watcher';
import { postJournal } from '../../db/ledger';
import {
  RECONCILER_WORKFLOW_TYPE,
  type ReconcilerWorkflow,
  reconcilerStartOptions,
} from '../../workflows/reconciler/contract';
import { webhookWorkflowId } from '../../workflows/webhook-delivery/contract';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';
import { apiClient, createFundedAccount, createTestAccount } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';
import { devchain, TEST_MNEMONIC, waitFor } from './chain';

type Samples = Map<string, number>;

/** Prometheus text → `name{labels}` → value (labels as printed, e.g. `{kind="deposit"}`). */
function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const hotWallet = utils.accounts.generateAccount();

describe('worker business metrics', () => {
  let stack: Stack;
  let worker: WorkerProcess;
  let metricsUrl: string;
  let receiver: Receiver;
  let output = '';
  const watcherId = `deposit-watcher-${randomUUID()}`;
  const chain = () => devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
  const admin = () => apiClient(stack.url, TEST_ADMIN_KEY);

  const scrape = async (): Promise<Samples> => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    return parse(await res.text());
  };
  /** The worker process's JSON log lines that came through the SDK's logger. */
  const sdkLines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.component === 'temporal-sdk');
  /** What `name` reads now minus what it read in `before` (absent = 0). */
  const delta = (before: Samples, after: Samples, name: string) =>
    (after.get(name) ?? 0) - (before.get(name) ?? 0);

  beforeAll(async () => {
    receiver = await startReceiver();
    // The in-process stack serves the API only; the worker is the production process below.
    stack = await startStack({
      worker: false,
      config: {
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        TRON_DEPOSIT_WATCHER_ID: watcherId,
        TRON_POLL_INTERVAL_MS: '100',
        TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
        WITHDRAWAL_FUNDS_RETRY_SECONDS: '1',
      },
    });
    await chain().mint(hotWallet.address.base58, { usdt: 5_000, trx: 3_000 });
    await chain().mine(1);
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = spawnWorkerProcess(stack.config, { WORKER_METRICS_PORT: String(port) });
    worker.child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    await worker.ready;
  });
  afterAll(async () => {
    await stack?.client.workflow
      .getHandle(watcherId)
      .terminate('test done')
      .catch(() => undefined);
    await worker?.kill('SIGTERM');
    await stack?.stop();
    await receiver?.close();
  });

  it('serves the hot wallet balances in sun and micro-USDT and no failed read', async () => {
    const now = await scrape();
    expect(now.get('agentrent_hot_wallet_trx_sun')).toBe(3_000_000_000);
    expect(now.get('agentrent_hot_wallet_usdt_micro_usdt')).toBe(5_000_000_000);
    for (const [name, value] of now)
      if (name.startsWith('agentrent_worker_metric_read_failed')) expect(value).toBe(0);
  });

  it('counts a credited deposit once, with its micro-USDT, and its ledger posting; watcher lag is read', async () => {
    await ensureDepositWatcher(stack.client, stack.config);
    const account = await createTestAccount(stack.db);
    const call = apiClient(stack.url, account.apiKey);
    const { address } = (await call<{ address: string }>('GET', '/api/v1/finance/deposit/address')).body;
    const before = await scrape();
    const sender = await chain().wallet({ usdt: 100, trx: 100 });
    await chain().transfer(sender, address, 12_345_678);
    await chain().mineUntil(async () => {
      const r = await call<{ deposits: Array<{ status: string }> }>('GET', '/api/v1/finance/deposits');
      return r.body.deposits[0]?.status === 'confirmed';
    });
    const after = await scrape();
    expect(delta(before, after, 'agentrent_deposits_credited_total')).toBe(1);
    expect(delta(before, after, 'agentrent_deposits_credited_micro_usdt_total')).toBe(12_345_678);
    expect(delta(before, after, 'agentrent_ledger_postings_total{kind="deposit"}')).toBe(1);
    expect(after.get('agentrent_deposit_watcher_lag_blocks')).toBeGreaterThanOrEqual(0);
    expect(after.get('agentrent_deposit_watcher_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('shows a withdrawal waiting in review, then moving on once approved', async () => {
    const account = await createFundedAccount(stack.db, 100);
    const call = apiClient(stack.url, account.apiKey);
    const before = await scrape();
    const res = await call<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 30, address: utils.accounts.generateAccount().address.base58, currency: 'USDT' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(res.status).toBe(200);
    const id = res.body.withdrawal_id;
    const status = async () =>
      (await admin()<{ status: string }>('GET', `/api/v1/finance/withdrawals/${id}`)).body.status;
    // A first withdrawal to an address waits for review (WITHDRAWAL_REVIEW_NEW_ADDRESS).
    await waitFor(async () => (await status()) === 'review', 10_000, 'review');
    const inReview = await scrape();
    expect(delta(before, inReview, 'agentrent_withdrawal_reviews_waiting')).toBe(1);
    expect(delta(before, inReview, 'agentrent_withdrawals{status="review"}')).toBe(1);
    expect(delta(before, inReview, 'agentrent_ledger_postings_total{kind="withdrawal_hold"}')).toBe(1);

    expect(
      (
        await admin()('POST', `/api/v1/admin/withdrawals/${id}/approve`, {
          reason: 'metrics test: known address',
        })
      ).status,
    ).toBe(200);
    await chain().mineUntil(async () => (await status()) === 'confirmed');
    const done = await scrape();
    expect(delta(before, done, 'agentrent_withdrawal_reviews_waiting')).toBe(0);
    expect(delta(before, done, 'agentrent_withdrawals{status="review"}')).toBe(0);
    expect(delta(before, done, 'agentrent_hot_wallet_usdt_micro_usdt')).toBe(-28_500_000);
  });

  it('counts a delivered webhook as delivered', async () => {
    const person = await createTestAccount(stack.db, { kind: 'person' });
    const call = apiClient(stack.url, person.apiKey);
    await call('PUT', '/api/v1/webhooks/endpoint', { url: `${receiver.url}/ok-${randomUUID()}` });
    const before = await scrape();
    const sent = await call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
    expect(sent.status).toBe(202);
    await stack.client.workflow.getHandle(webhookWorkflowId(sent.body.delivery_id)).result();
    const after = await scrape();
    expect(delta(before, after, 'agentrent_webhook_deliveries_total{outcome="delivered"}')).toBe(1);
    expect(delta(before, after, 'agentrent_webhook_deliveries_total{outcome="retried"}')).toBe(0);
  });

  it('counts a failing webhook once as retried, then once as dead-lettered after its last attempt', async () => {
    const person = await createTestAccount(stack.db, { kind: 'person' });
    const call = apiClient(stack.url, person.apiKey);
    const path = `/down-${randomUUID()}`;
    receiver.respond = (req) => (req.path === path ? 500 : 200);
    await call('PUT', '/api/v1/webhooks/endpoint', { url: `${receiver.url}${path}` });
    const dbNow = async () => (await stack.db.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0].t;
    const from = await dbNow();
    const before = await scrape();
    const sent = await call<{ delivery_id: string }>('POST', '/api/v1/webhooks/test');
    // webhook_test is an agent-events delivery: one retry, 30 s after the first attempt.
    await waitFor(async () => receiver.requests.some((r) => r.path === path), 10_000, 'first attempt');
    await waitFor(
      async () =>
        delta(before, await scrape(), 'agentrent_webhook_deliveries_total{outcome="retried"}') === 1,
      10_000,
      'retried',
    );
    await stack.client.workflow.getHandle(webhookWorkflowId(sent.body.delivery_id)).result();
    const after = await scrape();
    const to = await dbNow();
    expect(delta(before, after, 'agentrent_webhook_deliveries_total{outcome="retried"}')).toBe(1);
    // The worker is shared with earlier test files, whose deliveries to receivers long gone may
    // dead-letter in this window too: the counter moves once per delivery dead-lettered meanwhile
    // (ours among them), never once per attempt. The window starts 5 s early for a delivery
    // recorded just before the first scrape and counted just after it.
    const deadLettered = await stack.db.query<{ n: number; ours: boolean }>(
      `SELECT count(*)::int AS n, bool_or(id = $3) AS ours FROM webhook_deliveries
        WHERE state = 'failed' AND completed_at > $1::timestamptz - interval '5 seconds' AND completed_at <= $2`,
      [from, to, sent.body.delivery_id],
    );
    expect(deadLettered.rows[0].ours).toBe(true);
    const counted = delta(before, after, 'agentrent_webhook_deliveries_total{outcome="dead_lettered"}');
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(counted).toBeLessThanOrEqual(deadLettered.rows[0].n);
    expect(delta(before, after, 'agentrent_webhook_deliveries_total{outcome="delivered"}')).toBe(0);
  }, 90_000);

  it('counts a reconciler repair, its micro-USDT and its hold_repair posting, once', async () => {
    const account = await createFundedAccount(stack.db, 10);
    const subject = `rental:${randomUUID()}`;
    // A hold nothing owns (posted here, by the test process: not the worker's posting).
    await postJournal(stack.db, {
      idempotencyKey: `test-stranded:${subject}`,
      kind: 'rental_hold',
      reference: subject,
      lines: [
        { account: { ownerId: account.id, purpose: 'available' }, amount: -4_000_000 },
        { account: { ownerId: account.id, purpose: 'escrow', subject }, amount: 4_000_000 },
      ],
    });
    const before = await scrape();
    const reconcile = () =>
      stack.client.workflow.execute<ReconcilerWorkflow>(
        RECONCILER_WORKFLOW_TYPE,
        reconcilerStartOptions(`reconciler-${randomUUID()}`, stack.config.TEMPORAL_TASK_QUEUE, {
          graceMinutes: 0,
          accountIds: [account.id],
        }),
      );
    expect((await reconcile()).repaired).toBe(1);
    expect((await reconcile()).repaired).toBe(0);
    const after = await scrape();
    expect(delta(before, after, 'agentrent_reconciler_repairs_total')).toBe(1);
    expect(delta(before, after, 'agentrent_reconciler_repaired_micro_usdt_total')).toBe(4_000_000);
    expect(delta(before, after, 'agentrent_ledger_postings_total{kind="hold_repair"}')).toBe(1);
    // The workflow's own log (workflow.log) is a pino JSON line too, with the workflow's fields.
    await waitFor(
      async () =>
        sdkLines().some(
          (l) =>
            l.sdkComponent === 'workflow' &&
            l.workflowType === 'reconcilerWorkflow' &&
            l.msg === 'held balances reconciled' &&
            l.repaired === 1,
        ),
      5_000,
      'reconciler workflow log line',
    );
  });

  it("writes the SDK's and Core's log lines as pino JSON", async () => {
    // Forwarded lines are buffered by the SDK for 100 ms; RUNNING follows "worker running".
    await waitFor(async () => sdkLines().some((l) => l.state === 'RUNNING'), 10_000, 'RUNNING line');
    expect(sdkLines()).toContainEqual(
      expect.objectContaining({ name: 'worker', sdkComponent: 'worker', state: 'RUNNING', level: 30 }),
    );
    // Core's (Rust) own message, forwarded to pino.
    expect(sdkLines()).toContainEqual(
      expect.objectContaining({ sdkComponent: 'core', msg: 'Initializing worker', level: 30 }),
    );
  });
});
