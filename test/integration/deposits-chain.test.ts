// Deposits end to end against devchain: watcher → deposit workflow → solidity re-check → ledger.
import { randomUUID } from 'node:crypto';
import { ensureDepositWatcher } from '../../activities/deposit-watcher';
import {
  DEPOSIT_WORKFLOW_TYPE,
  type DepositWorkflow,
  depositSolidifiedSignal,
  depositStartOptions,
  depositWatcherCursorQuery,
  depositWorkflowId,
} from '../../workflows/deposit/contract';
import { apiClient, assertLedgerConsistent, availableMicro, createTestAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';
import { devchain, TEST_MNEMONIC, waitFor } from './chain';

interface DepositsBody {
  deposits: Array<{ txid: string; log_index: number; status: string; confirmations: number; amount: number }>;
}

describe('USDT deposits', () => {
  let stack: Stack;
  let chain: ReturnType<typeof devchain>;
  const watcherId = `deposit-watcher-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        TRON_DEPOSIT_WATCHER_ID: watcherId,
        TRON_POLL_INTERVAL_MS: '100',
        // Continue-as-new every 10 blocks, so every test below also crosses watcher runs.
        TRON_WATCHER_BLOCKS_PER_RUN: '10',
      },
    });
    chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    await chain.mine(1); // flush what earlier test files left pending
    await ensureDepositWatcher(stack.client, stack.config);
  });
  afterAll(async () => {
    await stack?.client.workflow
      .getHandle(watcherId)
      .terminate('test done')
      .catch(() => undefined);
    await stack?.stop();
  });

  async function depositor() {
    const account = await createTestAccount(stack.db);
    const call = apiClient(stack.url, account.apiKey);
    const res = await call<{ address: string; network: string; currency: string }>(
      'GET',
      '/api/v1/finance/deposit/address',
    );
    expect(res.status).toBe(200);
    return { account, call, address: res.body.address };
  }

  const deposits = async (call: ReturnType<typeof apiClient>) =>
    (await call<DepositsBody>('GET', '/api/v1/finance/deposits')).body.deposits;

  const journalsOf = async (txid: string) =>
    (
      await stack.db.query(`SELECT 1 FROM ledger_journals WHERE idempotency_key LIKE $1`, [
        `deposit:${txid}:%`,
      ])
    ).rowCount;

  /** Waits until the watcher has read every block up to the current head. */
  async function watcherCaughtUp() {
    const { head } = await chain.info();
    await waitFor(
      async () =>
        ((await stack.client.workflow.getHandle(watcherId).query(depositWatcherCursorQuery)).nextBlock ?? 0) >
        head,
      20_000,
      'watcher to reach the head',
    );
  }

  it('gives every account one stable base58 deposit address', async () => {
    const { call, address } = await depositor();
    expect(address).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
    const again = await call<{ address: string }>('GET', '/api/v1/finance/deposit/address');
    expect(again.body).toEqual({ address, network: 'trc20', currency: 'USDT' });
    const other = await depositor();
    expect(other.address).not.toBe(address);
  });

  it('credits a deposit once after solidification and not one block before', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    const txid = await chain.transfer(sender, address, 25_000_000);
    const mined = await chain.mine(1);
    const block = mined.blocks.find((b) => b.txids.includes(txid))!.number;

    await waitFor(async () => (await deposits(call)).find((d) => d.txid === txid), 20_000, 'pending deposit');
    await chain.mine(block + 18 - mined.head); // head = block + 18: one short of solidified
    await waitFor(async () => (await deposits(call))[0]?.confirmations === 18, 20_000, '18 confirmations');
    expect((await deposits(call))[0]).toMatchObject({ txid, status: 'pending', amount: 25 });
    expect(await availableMicro(stack.db, account.id)).toBe(0);

    await chain.mine(1);
    await waitFor(async () => (await deposits(call))[0]?.status === 'confirmed', 20_000, 'credit');
    expect(await availableMicro(stack.db, account.id)).toBe(25_000_000);

    await chain.mine(3);
    await stack.client.workflow.getHandle(depositWorkflowId(txid, 0)).result();
    expect(await availableMicro(stack.db, account.id)).toBe(25_000_000);
    expect(await journalsOf(txid)).toBe(1);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, depositWorkflowId(txid, 0), 'deposit');
    await assertLedgerConsistent(stack.db);
  });

  it('credits once when the worker restarts while the deposit waits for solidification', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    const txid = await chain.transfer(sender, address, 30_500_000);
    await chain.mine(1);
    await waitFor(async () => (await deposits(call)).find((d) => d.txid === txid), 20_000, 'pending deposit');

    await stack.stopWorker();
    await chain.mine(25);
    await stack.startWorker();

    await waitFor(async () => (await deposits(call))[0]?.status === 'confirmed', 30_000, 'credit');
    await stack.client.workflow.getHandle(depositWorkflowId(txid, 0)).result();
    expect(await availableMicro(stack.db, account.id)).toBe(30_500_000);
    expect(await journalsOf(txid)).toBe(1);
    await assertLedgerConsistent(stack.db);
  });

  it('credits nothing for a transfer that failed on chain', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    await chain.failNext();
    const txid = await chain.transfer(sender, address, 40_000_000);
    await chain.mine(21);
    await watcherCaughtUp();
    expect(await chain.usdtBalance(address)).toBe(0);
    expect(await deposits(call)).toEqual([]);
    expect(await journalsOf(txid)).toBe(0);
    expect(await availableMicro(stack.db, account.id)).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('credits nothing for a transfer dropped by a reorg before solidification', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    const txid = await chain.transfer(sender, address, 50_000_000);
    await chain.mine(1);
    await waitFor(async () => (await deposits(call)).find((d) => d.txid === txid), 20_000, 'pending deposit');

    await chain.reorg(1);
    // Dropped once the solidified chain's time is past the expiration (60 s of chain time = 20
    // blocks) by the margin, and lookups at three solidified heights agree.
    await chain.mineUntil(async () => (await deposits(call))[0]?.status === 'dropped', { pauseMs: 150 });
    expect(await journalsOf(txid)).toBe(0);
    expect(await availableMicro(stack.db, account.id)).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('keeps its block cursor across continue-as-new', async () => {
    const handle = stack.client.workflow.getHandle(watcherId);
    const before = await handle.describe();
    await chain.mine(12);
    await watcherCaughtUp();
    const after = await handle.describe();
    expect(after.runId).not.toBe(before.runId);
    expect(after.status.name).toBe('RUNNING');
    // A whole watcher run, ended by continue-as-new, for the replay suite.
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, watcherId, 'deposit-watcher-run', before.runId);
    const { head } = await chain.info();
    expect((await handle.query(depositWatcherCursorQuery)).nextBlock).toBe(head + 1);
  });

  it('resumes from its saved cursor when the watcher is started anew, missing no deposit', async () => {
    const { account, call, address } = await depositor();
    await stack.client.workflow.getHandle(watcherId).terminate('simulated loss of the watcher');
    const sender = await chain.wallet();
    const txid = await chain.transfer(sender, address, 21_000_000);
    await chain.mine(3); // the deposit's block is produced while no watcher runs

    await ensureDepositWatcher(stack.client, stack.config);
    await waitFor(
      async () => (await deposits(call)).find((d) => d.txid === txid),
      20_000,
      'found after restart',
    );
    await chain.mineUntil(async () => (await deposits(call))[0]?.status === 'confirmed');
    expect(await availableMicro(stack.db, account.id)).toBe(21_000_000);
    await assertLedgerConsistent(stack.db);
  });

  it('credits on the watcher signal, and a signal before solidification credits nothing', async () => {
    const { account, call, address } = await depositor();
    // This deposit's workflow is started by the test with a 50-minute fallback poll, so only a
    // signal can make it check again; the watcher, resumed later, finds it already running.
    await stack.client.workflow.getHandle(watcherId).terminate('the test starts this deposit itself');
    const sender = await chain.wallet();
    const txid = await chain.transfer(sender, address, 22_000_000);
    const mined = await chain.mine(1);
    const block = mined.blocks.find((b) => b.txids.includes(txid))!.number;
    const handle = await stack.client.workflow.start<DepositWorkflow>(
      DEPOSIT_WORKFLOW_TYPE,
      depositStartOptions(
        {
          deposit: {
            txid,
            logIndex: 0,
            accountId: account.id,
            address,
            from: sender.address,
            amount: 22_000_000,
            blockNumber: block,
            expiration: 0,
          },
          pollIntervalMs: 1_000_000,
          confirmations: stack.config.TRON_CONFIRMATIONS,
        },
        stack.config.TEMPORAL_TASK_QUEUE,
      ),
    );
    const checks = async () =>
      (await handle.fetchHistory()).events!.filter(
        (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      ).length;
    await waitFor(async () => (await checks()) >= 1, 20_000, 'the first check');

    await handle.signal(depositSolidifiedSignal, { solidified: 1_000_000_000 });
    await waitFor(async () => (await checks()) >= 2, 20_000, 'a check on the early signal');
    expect((await deposits(call))[0]).toMatchObject({ txid, status: 'pending' });
    expect(await availableMicro(stack.db, account.id)).toBe(0);

    await ensureDepositWatcher(stack.client, stack.config);
    await chain.mine(block + 19 - mined.head); // solidified = the deposit's block
    await waitFor(async () => (await deposits(call))[0]?.status === 'confirmed', 20_000, 'credit');
    expect(await handle.result()).toBe('confirmed');
    expect(await availableMicro(stack.db, account.id)).toBe(22_000_000);
    expect(await journalsOf(txid)).toBe(1);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, depositWorkflowId(txid, 0), 'deposit-signalled');
    await assertLedgerConsistent(stack.db);
  });

  it('answers 401 without credentials and 400 for a bad deposits page', async () => {
    expect((await apiClient(stack.url)('GET', '/api/v1/finance/deposit/address')).status).toBe(401);
    const { call } = await depositor();
    const res = await call('GET', '/api/v1/finance/deposits?limit=1000');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining('limit'), code: 'validation' });
  });
});
