/**
 * Four eyes on money (issue 24.1), over real HTTP against devchain: an operator never decides a
 * withdrawal of an account they own (theirs, or their bot's); a password sign-in token cannot
 * decide money (the console session or the admin key can); approving a withdrawal above
 * REVIEW_SECOND_APPROVER_USDT needs two different operators; every decision, refused ones
 * included, is in the audit the console shows.
 */
import { randomUUID } from 'node:crypto';
import { utils } from 'tronweb';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  fund,
} from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { withdrawalWorkflowId } from '../../workflows/withdrawal/contract';
import { OPERATOR_ACCOUNT_ID } from '../../api/auth';
import { devchain, waitFor } from './chain';

const hotWallet = utils.accounts.generateAccount();
const PASSWORD = 'an operator’s password';

type Call = ReturnType<typeof apiClient>;
interface AuditEntry {
  action: string;
  subject_id: string;
  actor: string;
  channel: string;
  outcome: string;
  outcome_detail: string | null;
  reason: string | null;
}

describe('four eyes on money', () => {
  let stack: Stack;
  let admin: Call;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
        TRON_POLL_INTERVAL_MS: '100',
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
        WITHDRAWAL_REVIEW_ABOVE_USD: '500',
        REVIEW_SECOND_APPROVER_USDT: '1000',
        RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000',
      },
    });
    admin = apiClient(stack.url, TEST_ADMIN_KEY);
    await devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!).mint(
      hotWallet.address.base58,
      {
        usdt: 100_000,
        trx: 100_000,
      },
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** An admin person with a password: their id, their sign-in token, and their console session. */
  async function operatorPerson() {
    const email = `operator-${randomUUID()}@example.com`;
    const signup = await apiClient(stack.url)<{ access_token: string }>('POST', '/api/v1/auth/signup', {
      email,
      password: PASSWORD,
      username: `op_${randomUUID().slice(0, 8)}`,
    });
    expect(signup.status).toBe(201);
    const me = await apiClient(stack.url, signup.body.access_token)<{ id: string }>('GET', '/api/v1/me');
    await stack.db.query(`UPDATE accounts SET role = 'admin' WHERE id = $1`, [me.body.id]);
    const token = await apiClient(stack.url)<{ access_token: string }>('POST', '/api/v1/auth/token', {
      email,
      password: PASSWORD,
    });
    const login = await fetch(`${stack.url}/api/v1/admin/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    /** A request from the console page: the session cookie, its CSRF token, the console's origin. */
    const consoleCall: Call = (method, path, body, headers = {}) =>
      apiClient(stack.url)(method, path, body, {
        Cookie: cookie,
        'X-CSRF-Token': csrf,
        Origin: new URL(stack.url).origin,
        ...headers,
      });
    return {
      id: me.body.id,
      email,
      jwt: apiClient(stack.url, token.body.access_token),
      console: consoleCall,
    };
  }

  /** A withdrawal of `usdt` by this account (funded here), waiting in review. */
  async function inReview(
    account: { id: string; apiKey?: string },
    usdt: number,
    call?: Call,
  ): Promise<string> {
    await fund(stack.db, account.id, usdt + 10);
    const client = call ?? apiClient(stack.url, account.apiKey);
    const res = await client<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: usdt, address: utils.accounts.generateAccount().address.base58, currency: 'USDT' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(res.status).toBe(200);
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await statusOf(id)) === 'review', 15_000, 'review');
    return id;
  }
  const statusOf = async (id: string) =>
    (await admin<{ status: string }>('GET', `/api/v1/admin/withdrawals/${id}`)).body.status;
  const auditOf = async (id: string) =>
    (await admin<{ audit: AuditEntry[] }>('GET', `/api/v1/admin/withdrawals/${id}`)).body.audit;

  describe('an operator and the money of an account they own', () => {
    it('refuses an operator approving their own withdrawal from the console with 403 own_account_money, audited', async () => {
      const op = await operatorPerson();
      const id = await inReview({ id: op.id }, 600, op.jwt);

      const res = await op.console('POST', `/api/v1/admin/withdrawals/${id}/approve`, {
        reason: 'it is mine',
      });

      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: expect.any(String), code: 'own_account_money' });
      expect(await statusOf(id)).toBe('review');
      expect((await auditOf(id))[0]).toMatchObject({
        action: 'withdrawal.approve',
        actor: op.email,
        channel: 'console',
        outcome: 'refused',
      });
    });

    it('refuses an operator rejecting their own withdrawal', async () => {
      const op = await operatorPerson();
      const id = await inReview({ id: op.id }, 600, op.jwt);

      const res = await op.console('POST', `/api/v1/admin/withdrawals/${id}/reject`, { reason: 'mine' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'own_account_money' });
      expect(await statusOf(id)).toBe('review');
    });

    it('refuses an operator approving a withdrawal of a bot they own', async () => {
      const op = await operatorPerson();
      const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: op.id });
      const id = await inReview(bot, 600);

      const res = await op.console('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'my bot' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'own_account_money' });
      expect(await statusOf(id)).toBe('review');
    });

    it('lets a different operator approve that same withdrawal', async () => {
      const op = await operatorPerson();
      const id = await inReview({ id: op.id }, 600, op.jwt);

      const res = await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'verified' });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'queued', awaiting_second_approver: false });
    });
  });

  describe('what may decide money', () => {
    it('refuses an operator’s password sign-in token with 403 money_needs_console_or_admin_key, audited', async () => {
      const op = await operatorPerson();
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 600);

      const res = await op.jwt('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'token only' });

      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: expect.any(String), code: 'money_needs_console_or_admin_key' });
      expect(await statusOf(id)).toBe('review');
      expect((await auditOf(id))[0]).toMatchObject({ actor: op.email, channel: 'api', outcome: 'refused' });
    });

    it('refuses an API key the operator minted with that token', async () => {
      const op = await operatorPerson();
      const minted = await op.jwt<{ api_key: string }>('POST', '/api/v1/keys', { name: 'script' });
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 600);

      const res = await apiClient(stack.url, minted.body.api_key)(
        'POST',
        `/api/v1/admin/withdrawals/${id}/reject`,
        {
          reason: 'minted key',
        },
      );

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'money_needs_console_or_admin_key' });
    });

    it('accepts the same operator’s decision from the console session', async () => {
      const op = await operatorPerson();
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 600);

      const res = await op.console('POST', `/api/v1/admin/withdrawals/${id}/reject`, {
        reason: 'sanctioned',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'rejected' });
    });
  });

  describe('two operators above REVIEW_SECOND_APPROVER_USDT', () => {
    it('keeps a 1500 USDT withdrawal in review after one approval, refuses that operator again, and sends it on a second operator’s approval', async () => {
      const op = await operatorPerson();
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 1500);

      const first = await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'kyc ok' });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ withdrawal_id: id, status: 'review', awaiting_second_approver: true });
      expect(await statusOf(id)).toBe('review');

      const again = await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'really ok' });
      expect(again.status).toBe(403);
      expect(again.body).toMatchObject({ code: 'second_approver_required' });

      const second = await op.console('POST', `/api/v1/admin/withdrawals/${id}/approve`, {
        reason: 'agreed',
      });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ status: 'queued', awaiting_second_approver: false });

      const chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
      await chain.mineUntil(async () => (await statusOf(id)) === 'confirmed');
      expect(
        (await auditOf(id)).map((a) => [a.action, a.actor, a.outcome, a.outcome_detail?.replace(/:.*/, '')]),
      ).toEqual([
        ['withdrawal.approve', op.email, 'applied', 'status queued'],
        ['withdrawal.approve', 'admin key', 'refused', expect.any(String)],
        ['withdrawal.approve', 'admin key', 'applied', 'first approval recorded, awaiting a second operator'],
      ]);
      maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, withdrawalWorkflowId(id), 'withdrawal-two-approvers');
      await assertLedgerConsistent(stack.db);
    });

    it('lets a single operator reject a large withdrawal after another approved it', async () => {
      const op = await operatorPerson();
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 1500);
      await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'kyc ok' });

      const res = await op.console('POST', `/api/v1/admin/withdrawals/${id}/reject`, {
        reason: 'sanctioned',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'rejected' });
    });

    it('decides a withdrawal of exactly the threshold with one approval', async () => {
      const customer = await createFundedAccount(stack.db, 0);
      const id = await inReview(customer, 1000);

      const res = await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'kyc ok' });

      expect(res.body).toMatchObject({ status: 'queued', awaiting_second_approver: false });
    });
  });

  describe('adjustments', () => {
    const adjust = (call: Call, body: unknown) =>
      call('POST', '/api/v1/admin/adjustments', body, { 'Idempotency-Key': randomUUID() });
    const balanceOf = (accountId: string) => availableMicro(stack.db, accountId);
    const auditRows = async (accountId: string) =>
      (await admin<{ audit: AuditEntry[] }>('GET', '/api/v1/admin/audit?limit=100')).body.audit.filter(
        (a) => a.subject_id === accountId,
      );

    it('refuses an operator crediting their own account from the console with 403, credits nothing, and audits it', async () => {
      const op = await operatorPerson();

      const res = await adjust(op.console, { account_id: op.id, amount: 5000, reason: 'bonus' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'own_account_money' });
      expect(await balanceOf(op.id)).toBe(0);
      expect(await auditRows(op.id)).toEqual([
        expect.objectContaining({
          action: 'adjustment.credit',
          actor: op.email,
          channel: 'console',
          outcome: 'refused',
        }),
      ]);
    });

    it('refuses an operator crediting a bot they own', async () => {
      const op = await operatorPerson();
      const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: op.id });

      const res = await adjust(op.console, { account_id: bot.id, amount: 5000, reason: 'bonus' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'own_account_money' });
      expect(await balanceOf(bot.id)).toBe(0);
    });

    it('refuses the admin key crediting the platform operator’s own account', async () => {
      const res = await adjust(admin, { account_id: OPERATOR_ACCOUNT_ID, amount: 5000, reason: 'bonus' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'own_account_money' });
    });

    it('refuses a credit made with an operator’s password sign-in token', async () => {
      const op = await operatorPerson();
      const customer = await createTestAccount(stack.db);

      const res = await adjust(op.jwt, { account_id: customer.id, amount: 5, reason: 'goodwill' });

      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'money_needs_console_or_admin_key' });
      expect(await balanceOf(customer.id)).toBe(0);
    });

    it('credits another account from the console and lists the adjustment in the audit with who, why and how much', async () => {
      const op = await operatorPerson();
      const customer = await createTestAccount(stack.db);

      const res = await adjust(op.console, { account_id: customer.id, amount: 5, reason: 'goodwill' });

      expect(res.status).toBe(201);
      expect(await balanceOf(customer.id)).toBe(5_000_000);
      expect(await auditRows(customer.id)).toEqual([
        expect.objectContaining({
          action: 'adjustment.credit',
          actor: op.email,
          channel: 'console',
          reason: 'goodwill',
          outcome: 'applied',
          outcome_detail: expect.stringMatching(/^5 USDT, journal /),
        }),
      ]);
    });

    it('audits a debit made with the admin key', async () => {
      const customer = await createFundedAccount(stack.db, 10);

      const res = await adjust(admin, { account_id: customer.id, amount: -3, reason: 'chargeback' });

      expect(res.status).toBe(201);
      expect(await auditRows(customer.id)).toEqual([
        expect.objectContaining({
          action: 'adjustment.debit',
          actor: 'admin key',
          channel: 'api',
          outcome: 'applied',
        }),
      ]);
    });
  });
});
