// Crashes around signing and broadcasting: the worker is a separate process killed with SIGKILL.
import { utils } from 'tronweb';
import { apiClient, assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';
import { devchain, waitFor } from './chain';

jest.setTimeout(180_000);

describe('USDT withdrawals across worker crashes', () => {
  const hot = utils.accounts.generateAccount();
  let stack: Stack;
  let chain: ReturnType<typeof devchain>;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: {
        TRON_HOT_WALLET_PRIVATE_KEY: hot.privateKey,
        TRON_POLL_INTERVAL_MS: '100',
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
      },
    });
    chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    await chain.mint(hot.address.base58, { usdt: 10_000, trx: 10_000 });
    await chain.mine(1);
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  });
  afterAll(async () => {
    await killWorker();
    await stack?.stop();
  });

  async function restartWorker() {
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  }

  const attempts = async (id: string) =>
    (
      await stack.db.query<{ attempt: number; txid: string }>(
        'SELECT attempt, txid FROM withdrawal_attempts WHERE withdrawal_id = $1 ORDER BY attempt',
        [id],
      )
    ).rows;

  const status = async (id: string) =>
    (
      await apiClient(stack.url, TEST_ADMIN_KEY)<{ status: string; txid: string | null }>(
        'GET',
        `/api/v1/finance/withdrawals/${id}`,
      )
    ).body;

  async function requestWithdrawal(key: string) {
    const account = await createFundedAccount(stack.db, 100);
    const address = utils.accounts.generateAccount().address.base58;
    const res = await apiClient(stack.url, account.apiKey)<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 25, address, currency: 'USDT' },
      { 'Idempotency-Key': key },
    );
    expect(res.status).toBe(200);
    return { account, address, id: res.body.withdrawal_id };
  }

  const killWorker = async () => {
    const child = worker!.child;
    if (child.exitCode === null && child.signalCode === null) await worker!.kill('SIGKILL');
  };

  /**
   * Kills the worker after the signed transfer is stored but before it can be broadcast, using two
   * table locks as gates: first the attempt INSERT waits (SHARE lock on withdrawal_attempts), then
   * the lock moves to `withdrawals`, whose UPDATE is the sign activity's last step. The attempt row
   * commits, the activity cannot complete, so no broadcast can have started when the worker dies.
   */
  async function withdrawAndKillAfterSigning(key: string) {
    const [gateAttempts, gateWithdrawals] = [await stack.db.connect(), await stack.db.connect()];
    try {
      await gateAttempts.query('BEGIN');
      await gateAttempts.query('LOCK TABLE withdrawal_attempts IN SHARE MODE');
      const w = await requestWithdrawal(key);
      await waitFor(
        async () =>
          (
            await stack.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO withdrawal_attempts%'`,
            )
          ).rowCount! > 0,
        30_000,
        'sign activity waiting to store its transaction',
      );
      await gateWithdrawals.query('BEGIN');
      await gateWithdrawals.query('LOCK TABLE withdrawals IN SHARE MODE');
      await gateAttempts.query('ROLLBACK');
      await waitFor(async () => (await attempts(w.id)).length > 0, 30_000, 'signed attempt');
      await killWorker();
      return w;
    } finally {
      await gateAttempts.query('ROLLBACK').catch(() => undefined);
      await gateWithdrawals.query('ROLLBACK').catch(() => undefined);
      gateAttempts.release();
      gateWithdrawals.release();
    }
  }

  it('sends exactly one transfer, with the stored bytes, when the worker dies between signing and broadcasting', async () => {
    const { account, address, id } = await withdrawAndKillAfterSigning('crash-sign');
    const [first] = await attempts(id);
    expect((await chain.info()).pending).toBe(0); // killed before anything reached the chain

    await restartWorker();
    // No blocks until the lost sign activity has timed out and the stored bytes went out: mining
    // meanwhile would advance chain time past their expiration (that case is the test below).
    await waitFor(async () => (await status(id)).status === 'broadcast', 60_000, 'rebroadcast');
    await chain.mineUntil(async () => (await status(id)).status === 'confirmed', { pauseMs: 150 });
    expect(await attempts(id)).toEqual([first]);
    expect((await status(id)).txid).toBe(first.txid);
    expect(await chain.usdtBalance(address)).toBe(23_500_000);
    expect(await availableMicro(stack.db, account.id)).toBe(75_000_000);
    await assertLedgerConsistent(stack.db);
  });

  it('never re-signs a broadcast that landed, even when the worker died right after broadcasting and it expired since', async () => {
    const { address, id } = await requestWithdrawal('crash-broadcast');
    await waitFor(async () => (await chain.info()).pending > 0, 30_000, 'broadcast');
    await killWorker();
    const [first] = await attempts(id);
    await chain.mine(1); // the transfer lands
    await chain.mine(25); // past its expiration and solidified

    await restartWorker();
    await chain.mineUntil(async () => (await status(id)).status === 'confirmed', { pauseMs: 150 });
    expect(await attempts(id)).toEqual([first]);
    expect(await chain.usdtBalance(address)).toBe(23_500_000);
    await assertLedgerConsistent(stack.db);
  });

  it('re-signs a transfer that expired without ever being broadcast, and pays once', async () => {
    const { address, id } = await withdrawAndKillAfterSigning('crash-expired');
    const [first] = await attempts(id);
    expect((await chain.info()).pending).toBe(0);
    await chain.mine(25); // chain time passes the signed transaction's expiration

    await restartWorker();
    await chain.mineUntil(async () => (await status(id)).status === 'confirmed', { pauseMs: 150 });
    const all = await attempts(id);
    expect(all.map((a) => a.attempt)).toEqual([1, 2]);
    expect(all[0].txid).toBe(first.txid);
    expect((await status(id)).txid).toBe(all[1].txid);
    const firstOnChain = await fetch(`${stack.config.TRON_FULL_HOST}/wallet/gettransactionbyid`, {
      method: 'POST',
      body: JSON.stringify({ value: first.txid }),
    }).then((r) => r.json());
    expect(firstOnChain).toEqual({});
    expect(await chain.usdtBalance(address)).toBe(23_500_000);
    await assertLedgerConsistent(stack.db);
  });
});
