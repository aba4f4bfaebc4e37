// Withdrawals end to end against devchain: API → withdrawal workflow → tronweb-signed transfer.
import { utils } from 'tronweb';
import { TEST_ADMIN_KEY } from '../harness/stack';
import { apiClient, assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';
import { balanceOf } from '../../db/ledger';
import { withdrawalWorkflowId } from '../../workflows/withdrawal/contract';
import { OPERATOR_ACCOUNT_ID } from '../../api/auth';
import { devchain, waitFor } from './chain';

interface WithdrawBody {
  withdrawal_id: string;
  amount: number;
  fee: number;
  net_amount: number;
  status: string;
}
interface WithdrawalBody extends WithdrawBody {
  txid: string | null;
  review_reasons: string[];
  status_reason: string | null;
}

const hotWallet = utils.accounts.generateAccount();

async function withdrawalStack(config: Record<string, string> = {}, hotKey = hotWallet.privateKey) {
  return startStack({
    config: {
      TRON_HOT_WALLET_PRIVATE_KEY: hotKey,
      TRON_POLL_INTERVAL_MS: '100',
      WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
      WITHDRAWAL_FUNDS_RETRY_SECONDS: '1',
      ...config,
    },
  });
}

function helpers(stack: Stack) {
  const chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
  const admin = apiClient(stack.url, TEST_ADMIN_KEY);
  async function user(usdt: number) {
    const account = await createFundedAccount(stack.db, usdt);
    return { account, call: apiClient(stack.url, account.apiKey) };
  }
  const destination = () => utils.accounts.generateAccount().address.base58;
  const status = async (id: string) =>
    (await admin<WithdrawalBody>('GET', `/api/v1/finance/withdrawals/${id}`)).body;
  const held = (accountId: string, id: string) =>
    balanceOf(stack.db, { ownerId: accountId, purpose: 'held', subject: `withdrawal:${id}` });
  return { chain, admin, user, destination, status, held };
}

describe('USDT withdrawals', () => {
  let stack: Stack;
  let h: ReturnType<typeof helpers>;

  beforeAll(async () => {
    stack = await withdrawalStack({ WITHDRAWAL_REVIEW_ABOVE_USD: '500' });
    h = helpers(stack);
    await h.chain.mint(hotWallet.address.base58, { usdt: 100_000, trx: 100_000 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('rejects below minimum, 7 decimals, an invalid address and another currency with 400, holding nothing', async () => {
    const { account, call } = await h.user(100);
    const address = h.destination();
    const cases: Array<[unknown, string]> = [
      [{ amount: 19.99, address, currency: 'USDT' }, 'amount'],
      [{ amount: 25.1234567, address, currency: 'USDT' }, 'amount'],
      [{ amount: 25, address: 'TNotAnAddress111111111111111111111', currency: 'USDT' }, 'address'],
      [{ amount: 25, address: '41' + 'ab'.repeat(20), currency: 'USDT' }, 'address'],
      [{ amount: 25, address, currency: 'TRX' }, 'currency'],
      [{ amount: '25', address, currency: 'USDT' }, 'amount'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/api/v1/finance/withdraw', body, {
        'Idempotency-Key': `bad-${field}-${Math.random()}`,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining(field), code: 'validation' });
    }
    const missingKey = await call('POST', '/api/v1/finance/withdraw', {
      amount: 25,
      address,
      currency: 'USDT',
    });
    expect(missingKey.status).toBe(400);
    expect(await availableMicro(stack.db, account.id)).toBe(100_000_000);
    expect(
      (await stack.db.query('SELECT 1 FROM withdrawals WHERE account_id = $1', [account.id])).rowCount,
    ).toBe(0);
  });

  it('answers 402 when the balance is short and holds nothing', async () => {
    const { account, call } = await h.user(20);
    const res = await call(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 25, address: h.destination(), currency: 'USDT' },
      {
        'Idempotency-Key': 'short-1',
      },
    );
    expect(res.status).toBe(402);
    expect(res.body).toEqual({ error: 'insufficient balance', code: 'insufficient_balance' });
    expect(await availableMicro(stack.db, account.id)).toBe(20_000_000);
    expect(
      (await stack.db.query('SELECT 1 FROM withdrawals WHERE account_id = $1', [account.id])).rowCount,
    ).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('turns 50 concurrent requests with one Idempotency-Key into one withdrawal and one on-chain transfer', async () => {
    const { account, call } = await h.user(100);
    const address = h.destination();
    const body = { amount: 25, address, currency: 'USDT' };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        call<WithdrawBody>('POST', '/api/v1/finance/withdraw', body, { 'Idempotency-Key': 'w-50' }),
      ),
    );
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const ids = new Set(ok.map((r) => r.body.withdrawal_id));
    expect(ids.size).toBe(1);
    expect(ok[0].body).toMatchObject({ amount: 25, fee: 1.5, net_amount: 23.5, status: 'queued' });
    const id = ok[0].body.withdrawal_id;
    expect(await availableMicro(stack.db, account.id)).toBe(75_000_000);
    expect(await h.held(account.id, id)).toBe(25_000_000);

    const replay = await call<WithdrawBody>('POST', '/api/v1/finance/withdraw', body, {
      'Idempotency-Key': 'w-50',
    });
    expect(replay.body.withdrawal_id).toBe(id);
    const other = await call(
      'POST',
      '/api/v1/finance/withdraw',
      { ...body, amount: 26 },
      { 'Idempotency-Key': 'w-50' },
    );
    expect(other.status).toBe(422);

    await h.chain.mineUntil(async () => (await h.status(id)).status === 'confirmed');
    const final = await h.status(id);
    expect(final.txid).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.chain.usdtBalance(address)).toBe(23_500_000);
    expect(
      (await stack.db.query('SELECT 1 FROM withdrawals WHERE account_id = $1', [account.id])).rowCount,
    ).toBe(1);
    expect(
      (await stack.db.query('SELECT 1 FROM withdrawal_attempts WHERE withdrawal_id = $1', [id])).rowCount,
    ).toBe(1);
    expect(await h.held(account.id, id)).toBe(0);
    expect(await availableMicro(stack.db, account.id)).toBe(75_000_000);
    await assertLedgerConsistent(stack.db);
  });

  it('sends a withdrawal in review once an operator approves it', async () => {
    const { account, call } = await h.user(1000);
    const address = h.destination();
    const res = await call<WithdrawBody>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 600, address, currency: 'USDT' },
      {
        'Idempotency-Key': 'big-1',
      },
    );
    expect(res.status).toBe(200);
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await h.status(id)).status === 'review', 10_000, 'review');
    expect((await h.status(id)).review_reasons).toEqual(['large_amount']);

    const notAdmin = await call('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'mine' });
    expect(notAdmin.status).toBe(403);
    const approved = await h.admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'verified' });
    expect(approved.status).toBe(200);
    const again = await h.admin('POST', `/api/v1/admin/withdrawals/${id}/reject`, { reason: 'too late' });
    expect(again.status).toBe(409);

    await h.chain.mineUntil(async () => (await h.status(id)).status === 'confirmed');
    expect(await h.chain.usdtBalance(address)).toBe(598_500_000);
    expect(await availableMicro(stack.db, account.id)).toBe(400_000_000);
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, withdrawalWorkflowId(id), 'withdrawal-reviewed');
    await assertLedgerConsistent(stack.db);
  });

  it('returns the held funds when an operator rejects a withdrawal in review', async () => {
    const { account, call } = await h.user(1000);
    const address = h.destination();
    const res = await call<WithdrawBody>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 700, address, currency: 'USDT' },
      {
        'Idempotency-Key': 'big-2',
      },
    );
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await h.status(id)).status === 'review', 10_000, 'review');
    expect(await availableMicro(stack.db, account.id)).toBe(300_000_000);
    const rejected = await h.admin('POST', `/api/v1/admin/withdrawals/${id}/reject`, {
      reason: 'suspicious',
    });
    expect(rejected.body).toEqual({ withdrawal_id: id, status: 'rejected' });
    await stack.client.workflow.getHandle(withdrawalWorkflowId(id)).result();
    expect(await h.status(id)).toMatchObject({ status: 'rejected', status_reason: 'suspicious', txid: null });
    const decided = await stack.db.query('SELECT decided_by FROM withdrawals WHERE id = $1', [id]);
    expect(decided.rows[0].decided_by).toBe(OPERATOR_ACCOUNT_ID);
    expect(await availableMicro(stack.db, account.id)).toBe(1000_000_000);
    expect(await h.held(account.id, id)).toBe(0);
    expect(await h.chain.usdtBalance(address)).toBe(0);
    await assertLedgerConsistent(stack.db);
  });
});

describe('USDT withdrawal review timeout', () => {
  let stack: Stack;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    stack = await withdrawalStack({
      WITHDRAWAL_REVIEW_NEW_ADDRESS: 'true',
      WITHDRAWAL_REVIEW_TIMEOUT_SECONDS: '2',
    });
    h = helpers(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('rejects and refunds a withdrawal nobody reviews within the review timeout', async () => {
    const { account, call } = await h.user(50);
    const res = await call<WithdrawBody>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 30, address: h.destination(), currency: 'USDT' },
      {
        'Idempotency-Key': 'timeout-1',
      },
    );
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await h.status(id)).status === 'rejected', 20_000, 'rejected by timeout');
    expect((await h.status(id)).review_reasons).toEqual(['new_address']);
    expect(await availableMicro(stack.db, account.id)).toBe(50_000_000);
    await assertLedgerConsistent(stack.db);
  });
});

describe('USDT withdrawal from a hot wallet short of funds', () => {
  const emptyHot = utils.accounts.generateAccount();
  let stack: Stack;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    stack = await withdrawalStack({}, emptyHot.privateKey);
    h = helpers(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('waits in waiting_funds with an operator alert, then sends once the hot wallet is funded', async () => {
    const { account, call } = await h.user(100);
    const address = h.destination();
    const res = await call<WithdrawBody>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 40, address, currency: 'USDT' },
      {
        'Idempotency-Key': 'hot-short',
      },
    );
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await h.status(id)).status === 'waiting_funds', 10_000, 'waiting_funds');
    expect((await h.status(id)).status_reason).toContain('USDT');
    const alerts = await stack.db.query(
      `SELECT message FROM operator_alerts WHERE kind = 'hot_wallet_short' AND resolved_at IS NULL AND message LIKE $1`,
      [`%${emptyHot.address.base58}%`],
    );
    expect(alerts.rowCount).toBe(1);
    expect(await h.held(account.id, id)).toBe(40_000_000);

    await h.chain.mint(emptyHot.address.base58, { usdt: 1000, trx: 1000 });
    await h.chain.mineUntil(async () => (await h.status(id)).status === 'confirmed', { pauseMs: 150 });
    expect(await h.chain.usdtBalance(address)).toBe(38_500_000);
    expect(await availableMicro(stack.db, account.id)).toBe(60_000_000);
    await assertLedgerConsistent(stack.db);
  });
});
