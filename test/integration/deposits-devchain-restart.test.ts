/**
 * Issue 24 item 5: `npm run dev` keeps Postgres and Temporal in `.data/` but starts devchain
 * afresh. The deposit watcher's cursor still pointed past the old chain's head, so it waited for a
 * height the new chain had not reached and never saw the new chain's deposits (the README told
 * users to delete `.data/`). A node whose genesis block differs from the one the cursor was
 * recorded on is now recognised as another chain: the watcher logs it and scans the new chain
 * from block 0.
 *
 * The test runs its own devchain (the shared one must not restart under other test files).
 */
import { randomUUID } from 'node:crypto';
import { ensureDepositWatcher } from '../../activities/deposit-watcher';
import { type DevchainHandle, startDevchain } from '../../devchain/server';
import { depositWatcherCursorQuery } from '../../workflows/deposit/contract';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { devchain, TEST_MNEMONIC, waitFor } from './chain';

const watcherId = `deposit-watcher-restart-${randomUUID().slice(0, 8)}`;
let node: DevchainHandle;
let stack: Stack;
let port: number;

beforeAll(async () => {
  node = await startDevchain({ port: 0, host: '127.0.0.1', blockIntervalMs: 0 });
  port = Number(new URL(node.url).port);
  stack = await startStack({
    config: {
      TRON_FULL_HOST: node.url,
      TRON_USDT_CONTRACT: node.usdtContract,
      TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
      TRON_DEPOSIT_WATCHER_ID: watcherId,
      TRON_POLL_INTERVAL_MS: '100',
    },
  });
});
afterAll(async () => {
  await stack?.client.workflow
    .getHandle(watcherId)
    .terminate('test done')
    .catch(() => undefined);
  await stack?.stop();
  await node?.stop();
});

const cursor = async () =>
  (await stack.client.workflow.getHandle(watcherId).query(depositWatcherCursorQuery)).nextBlock ?? 0;

describe('the deposit watcher on a devchain started afresh under a kept cursor', () => {
  it('notices the new chain (another genesis) and credits a deposit made in its first blocks', async () => {
    // The first chain: the watcher scans 30 blocks of it.
    const first = devchain(node.url, node.usdtContract);
    await first.mine(30);
    await ensureDepositWatcher(stack.client, stack.config);
    await waitFor(async () => (await cursor()) > 30, 30_000, 'the watcher through the first chain');

    // devchain restarts on the same port: a new chain, its head far below the cursor.
    await node.stop();
    node = await startDevchain({ port, host: '127.0.0.1', blockIntervalMs: 0 });
    const second = devchain(node.url, node.usdtContract);
    // The first call may meet a keep-alive socket of the old server: it fails, the next is new.
    await waitFor(
      () =>
        second.info().then(
          () => true,
          () => false,
        ),
      5_000,
      'the new chain answering',
    );
    expect((await second.info()).head).toBeLessThan(5);

    const account = await createTestAccount(stack.db);
    const call = apiClient(stack.url, account.apiKey);
    const { address } = (await call<{ address: string }>('GET', '/api/v1/finance/deposit/address')).body;
    const sender = await second.wallet();
    const txid = await second.transfer(sender, address, 12_000_000);
    await second.mine(1);

    const found = async () =>
      (
        await call<{ deposits: Array<{ txid: string }> }>('GET', '/api/v1/finance/deposits')
      ).body.deposits.some((d) => d.txid === txid);
    await waitFor(found, 30_000, 'the deposit on the new chain found');
    expect(await cursor()).toBeLessThanOrEqual((await second.info()).head + 1);
  });
});
