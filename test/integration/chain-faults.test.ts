// A node that answers `{}` for a block, fails a lookup once, or lags its solidified head: deposits
// and withdrawals against devchain's fault modes (POST /admin/fault), real worker and watcher.
import { randomUUID } from 'node:crypto';
import { utils } from 'tronweb';
import { ensureDepositWatcher } from '../../activities/deposit-watcher';
import { depositWatcherCursorQuery } from '../../workflows/deposit/contract';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
} from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { devchain, TEST_MNEMONIC, waitFor } from './chain';

jest.setTimeout(120_000);

interface Faults {
  emptyBlocks: Record<string, number | null>;
  failedLookups: Record<string, number>;
  solidityLagExtra: number;
}

describe('chain node faults', () => {
  const hot = utils.accounts.generateAccount();
  const watcherId = `deposit-watcher-${randomUUID()}`;
  let stack: Stack;
  let chain: ReturnType<typeof devchain>;

  async function fault(body: Record<string, unknown>): Promise<Faults> {
    const res = await fetch(`${stack.config.TRON_FULL_HOST}/admin/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { faults: Faults };
    if (!res.ok) throw new Error(`/admin/fault: ${res.status} ${JSON.stringify(json)}`);
    return json.faults;
  }
  const faults = async () => ((await chain.info()) as unknown as { faults: Faults }).faults;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        TRON_DEPOSIT_WATCHER_ID: watcherId,
        TRON_POLL_INTERVAL_MS: '100',
        TRON_HOT_WALLET_PRIVATE_KEY: hot.privateKey,
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
        WITHDRAWAL_FUNDS_RETRY_SECONDS: '1',
      },
    });
    chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    await chain.mint(hot.address.base58, { usdt: 10_000, trx: 10_000 });
    await chain.mine(1);
    await ensureDepositWatcher(stack.client, stack.config);
  });
  afterEach(async () => {
    await fault({ clear: true, solidity_lag_extra: 0 });
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
    const res = await call<{ address: string }>('GET', '/api/v1/finance/deposit/address');
    return { account, call, address: res.body.address };
  }
  const depositOf = async (call: ReturnType<typeof apiClient>, txid: string) =>
    (
      await call<{ deposits: Array<{ txid: string; status: string }> }>('GET', '/api/v1/finance/deposits')
    ).body.deposits.find((d) => d.txid === txid);
  const journalsOf = async (txid: string) =>
    (
      await stack.db.query(`SELECT 1 FROM ledger_journals WHERE idempotency_key LIKE $1`, [
        `deposit:${txid}:%`,
      ])
    ).rowCount;
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
  /** Until the fault armed for `txid` has answered `{}` to the full node's receipt lookup. */
  const lookupFailed = (txid: string) =>
    waitFor(
      async () => !(`${txid}:head:gettransactioninfobyid` in (await faults()).failedLookups),
      20_000,
      'lookup',
    );
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('does not skip a deposit in a block the node answered `{}` for: credits it once the node answers', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    await watcherCaughtUp();
    const block = (await chain.info()).head + 1;
    // The watcher's first reads of the block come back without its transactions / receipts.
    await fault({ empty_block: block, times: 3 });
    const txid = await chain.transfer(sender, address, 31_000_000);
    const mined = await chain.mine(1);
    expect(mined.blocks.find((b) => b.txids.includes(txid))?.number).toBe(block);

    await waitFor(async () => depositOf(call, txid), 30_000, 'the deposit found in the spoiled block');
    expect((await faults()).emptyBlocks).toEqual({});
    await chain.mineUntil(async () => (await depositOf(call, txid))?.status === 'confirmed');
    expect(await availableMicro(stack.db, account.id)).toBe(31_000_000);
    expect(await journalsOf(txid)).toBe(1);
    await assertLedgerConsistent(stack.db);
  });

  it('does not mark a deposit dropped on one failed lookup past its expiration: credits it once solidified', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    await fault({ solidity_lag_extra: 15 });
    const txid = await chain.transfer(sender, address, 32_000_000);
    await chain.mine(1);
    await waitFor(async () => depositOf(call, txid), 20_000, 'pending deposit');
    await chain.mine(25); // head time past the transfer's expiration, still not solidified
    expect((await depositOf(call, txid))?.status).toBe('pending');

    await fault({ fail_lookup: txid });
    await lookupFailed(txid);
    await settle(1_000); // a few more checks
    expect((await depositOf(call, txid))?.status).toBe('pending');

    await fault({ solidity_lag_extra: 0 });
    await chain.mineUntil(async () => (await depositOf(call, txid))?.status === 'confirmed');
    expect(await availableMicro(stack.db, account.id)).toBe(32_000_000);
    expect(await journalsOf(txid)).toBe(1);
    await assertLedgerConsistent(stack.db);
  });

  it('credits a deposit only once its block is solidified, however many confirmations, when the solidity node lags', async () => {
    const { account, call, address } = await depositor();
    const sender = await chain.wallet();
    await fault({ solidity_lag_extra: 10 });
    const txid = await chain.transfer(sender, address, 33_000_000);
    const mined = await chain.mine(1);
    const block = mined.blocks.find((b) => b.txids.includes(txid))!.number;
    await waitFor(async () => depositOf(call, txid), 20_000, 'pending deposit');
    const lagging = await chain.mine(25); // 25 confirmations, solidified = head − 29 < block
    expect(lagging.solidified).toBeLessThan(block);
    await settle(1_000);
    expect((await depositOf(call, txid))?.status).toBe('pending');
    expect(await availableMicro(stack.db, account.id)).toBe(0);

    await fault({ solidity_lag_extra: 0 }); // solidified = head − 19 ≥ block
    await waitFor(async () => (await depositOf(call, txid))?.status === 'confirmed', 20_000, 'credit');
    expect(await availableMicro(stack.db, account.id)).toBe(33_000_000);
    expect(await journalsOf(txid)).toBe(1);
    await assertLedgerConsistent(stack.db);
  });

  it('does not expire or re-sign a withdrawal on one failed lookup: it goes on chain exactly once', async () => {
    const account = await createFundedAccount(stack.db, 100);
    const address = utils.accounts.generateAccount().address.base58;
    await fault({ solidity_lag_extra: 15 });
    const res = await apiClient(stack.url, account.apiKey)<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 25, address, currency: 'USDT' },
      { 'Idempotency-Key': `fault-${randomUUID()}` },
    );
    expect(res.status).toBe(200);
    const id = res.body.withdrawal_id;
    const attempts = async () =>
      (
        await stack.db.query<{ attempt: number; txid: string }>(
          'SELECT attempt, txid FROM withdrawal_attempts WHERE withdrawal_id = $1 ORDER BY attempt',
          [id],
        )
      ).rows;
    const status = async () =>
      (
        await apiClient(stack.url, TEST_ADMIN_KEY)<{ status: string }>(
          'GET',
          `/api/v1/finance/withdrawals/${id}`,
        )
      ).body.status;
    await waitFor(async () => (await status()) === 'broadcast', 30_000, 'broadcast');
    const [first] = await attempts();
    await chain.mine(1); // the transfer lands
    await chain.mine(25); // past its expiration by head time, not yet solidified

    await fault({ fail_lookup: first.txid });
    await lookupFailed(first.txid);
    await settle(1_000);
    expect(await attempts()).toEqual([first]);

    await fault({ solidity_lag_extra: 0 });
    await chain.mineUntil(async () => (await status()) === 'confirmed', { pauseMs: 150 });
    expect(await attempts()).toEqual([first]);
    expect(await chain.usdtBalance(address)).toBe(23_500_000);
    expect(await availableMicro(stack.db, account.id)).toBe(75_000_000);
    await assertLedgerConsistent(stack.db);
  });
});
