/**
 * Issue 24 item 5: an operator's decision whose answer timed out was audited "refused", though
 * the workflow had it and applied it later: the console then showed a refused approval for a
 * withdrawal that was sent. A decision without a known outcome is now audited `unknown`, and the
 * entry is completed (`applied` or `refused`) once the withdrawal shows what became of it.
 */
import { randomUUID } from 'node:crypto';
import { utils } from 'tronweb';
import { apiClient, createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { waitFor } from './chain';

const hotWallet = utils.accounts.generateAccount();
let stack: Stack;
let admin: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startStack({
    config: {
      TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
      WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
      WITHDRAWAL_REVIEW_ABOVE_USD: '500',
      // The decision's answer must time out while no worker is there to give it.
      ADMIN_REQUEST_DEADLINE_MS: '1500',
    },
  });
  admin = apiClient(stack.url, TEST_ADMIN_KEY);
});
afterAll(async () => {
  await stack?.stop();
});

type Audit = { action: string; outcome: string; outcome_detail: string | null };
const view = async (id: string) =>
  (await admin<{ status: string; audit: Audit[] }>('GET', `/api/v1/admin/withdrawals/${id}`)).body;

describe('a decision whose answer timed out', () => {
  it('is audited unknown, not refused, and completed as applied once the workflow applies it', async () => {
    const account = await createFundedAccount(stack.db, 1000);
    const res = await apiClient(stack.url, account.apiKey)<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 600, address: utils.accounts.generateAccount().address.base58, currency: 'USDT' },
      { 'Idempotency-Key': randomUUID() },
    );
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await view(id)).status === 'review', 15_000, 'review');

    // No worker: Temporal holds the update, nobody answers it before the request's deadline.
    await stack.stopWorker();
    const decided = await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, {
      reason: 'known customer',
    });
    expect(decided.status).toBe(504);
    // The 504 leaves at the deadline; the entry is settled once the cancelled call returns.
    await waitFor(async () => (await view(id)).audit[0]?.outcome !== 'pending', 10_000, 'settled');
    const pending = await view(id);
    expect(pending.status).toBe('review');
    expect(pending.audit).toEqual([
      expect.objectContaining({ action: 'withdrawal.approve', outcome: 'unknown' }),
    ]);

    // The worker comes back and applies the held update: the audit says what happened.
    await stack.startWorker();
    await waitFor(async () => (await view(id)).status !== 'review', 45_000, 'the approval applied');
    expect((await view(id)).audit).toEqual([
      expect.objectContaining({ action: 'withdrawal.approve', outcome: 'applied' }),
    ]);
    const log = await admin<{ audit: Array<Audit & { subject_id: string }> }>(
      'GET',
      '/api/v1/admin/audit?limit=100',
    );
    expect(log.body.audit.find((a) => a.subject_id === id)).toMatchObject({ outcome: 'applied' });
  });
});
