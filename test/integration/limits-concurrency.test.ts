/**
 * Limits that hold under concurrency, across API processes (issue 11): the hourly spend cap, the
 * withdrawal risk rules and idempotent rental extensions, each raced with ≥ 20 real HTTP requests
 * against the real stack (two API processes on one Postgres and one task queue).
 */
import { randomUUID } from 'node:crypto';
import { utils } from 'tronweb';
import { balanceOf, postJournal } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { rentalById } from '../../db/rentals';
import {
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  type RentalWorkflow,
  rentalStartOptions,
} from '../../workflows/rental/contract';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
  type TestAccount,
} from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { devchain, waitFor } from './chain';

const SPEND_CAP_ERROR = {
  error: 'hourly spend limit (max_hourly_spend_usd) exceeded',
  code: 'spend_cap_exceeded',
};

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A second API process: same database, same Temporal task queue, no worker of its own. */
const secondApi = (stack: Stack, config: Record<string, string> = {}) =>
  startStack({ worker: false, config: { ...config, TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE } });

async function capSpending(stack: Stack, account: TestAccount, usdt: number): Promise<void> {
  const res = await apiClient(stack.url, account.apiKey)('PATCH', '/api/v1/account/settings', {
    max_hourly_spend_usd: usdt,
  });
  expect(res.status).toBe(200);
}

/** Every refusal is the spend cap's 429 with Retry-After: 3600; returns how many were accepted. */
function acceptedUnderCap(answers: Answer[], okStatus: number): number {
  const refused = answers.filter((a) => a.status !== okStatus);
  for (const r of refused) {
    expect({ status: r.status, body: r.body }).toEqual({ status: 429, body: SPEND_CAP_ERROR });
    expect(r.headers.get('retry-after')).toBe('3600');
  }
  return answers.length - refused.length;
}

describe('hourly spend cap under concurrency', () => {
  let stack: Stack;
  let other: Stack;
  beforeAll(async () => {
    stack = await startStack();
    other = await secondApi(stack);
  });
  afterAll(async () => {
    await other?.stop();
    await stack?.stop();
  });

  async function parties(price: number) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: price });
    const renter = await createFundedAccount(stack.db, 100);
    return { bot, renter };
  }
  /** Alternates the two API processes. */
  const via = (i: number, account: TestAccount) => apiClient((i % 2 ? other : stack).url, account.apiKey);

  it('accepts exactly 2 of 20 concurrent 5-USDT rentals under a 10 USDT cap, across two API processes', async () => {
    const { bot, renter } = await parties(1);
    await capSpending(stack, renter, 10);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        via(i, renter)('POST', '/api/rentals', { agent_id: bot.id, minutes: 5 }),
      ),
    );
    expect(acceptedUnderCap(answers, 201)).toBe(2);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(90));
    const rentals = await stack.db.query<{ id: string }>('SELECT id FROM rentals WHERE renter_id = $1', [
      renter.id,
    ]);
    expect(rentals.rowCount).toBe(2);
    for (const { id } of rentals.rows)
      expect(
        await balanceOf(stack.db, { ownerId: renter.id, purpose: 'escrow', subject: `rental:${id}` }),
      ).toBe(toMicro(5));
    await assertLedgerConsistent(stack.db);
  });

  it('caps rentals and task escrows together: 2 of 40 concurrent 5-USDT spends under a 10 USDT cap', async () => {
    const { bot, renter } = await parties(1);
    await capSpending(stack, renter, 10);
    const task = {
      title: 'Follow',
      description: 'Follow and reply',
      category: 'social',
      reward_usd: 2.5,
      slots: 2,
    };
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? via(i >> 1, renter)('POST', '/api/rentals', { agent_id: bot.id, minutes: 5 })
          : via(i >> 1, renter)('POST', '/api/v1/agent/tasks', task),
      ),
    );
    expect(acceptedUnderCap(answers, 201)).toBe(2);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(90));
    await assertLedgerConsistent(stack.db);
  });

  it('accepts exactly 2 of 20 concurrent 5-USDT extensions when 10 USDT of the cap is left', async () => {
    const { bot, renter } = await parties(0.2);
    const rental = await apiClient(stack.url, renter.apiKey)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 5,
    });
    expect(rental.status).toBe(201);
    await capSpending(stack, renter, 11); // 1 USDT held for the rental, 10 left
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        via(i, renter)(
          'POST',
          `/api/rentals/${rental.body.id}/extend`,
          { minutes: 25 },
          { 'Idempotency-Key': `x${i}` },
        ),
      ),
    );
    expect(acceptedUnderCap(answers, 200)).toBe(2);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(89));
    const view = await apiClient(stack.url, renter.apiKey)<{ minutes: number }>(
      'GET',
      `/api/rentals/${rental.body.id}`,
    );
    expect(view.body.minutes).toBe(55);
    await assertLedgerConsistent(stack.db);
  });
});

describe('rental extension across continue-as-new', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const PRICE = 0.5;

  /** A rental started as the API starts one, but continuing as new after `historyLimit` events. */
  async function rentalWithHistoryLimit(historyLimit: number) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: PRICE });
    const renter = await createFundedAccount(stack.db, 100);
    const rentalId = randomUUID();
    const hold = toMicro(PRICE * 10)!;
    await postJournal(stack.db, {
      idempotencyKey: `rental-hold:${rentalId}`,
      kind: 'rental_hold',
      reference: `rental:${rentalId}`,
      lines: [
        { account: { ownerId: renter.id, purpose: 'available' }, amount: -hold },
        { account: { ownerId: renter.id, purpose: 'escrow', subject: `rental:${rentalId}` }, amount: hold },
      ],
    });
    const input: RentalInput = {
      rentalId,
      agentId: bot.id,
      agentName: bot.username,
      renterId: renter.id,
      renterUsername: renter.username,
      ownerId: owner.id,
      minutes: 10,
      pricePerMinute: toMicro(PRICE)!,
      channel: 'API',
      eventsEnabled: false,
      historyLimit,
    };
    const handle = await stack.client.workflow.start<RentalWorkflow>(
      RENTAL_WORKFLOW_TYPE,
      rentalStartOptions(input, stack.config.TEMPORAL_TASK_QUEUE),
    );
    await waitFor(() => rentalById(stack.db, rentalId), 10_000, 'the rental row');
    return { rentalId, renter, handle, call: apiClient(stack.url, renter.apiKey) };
  }

  it('charges and adds an extension re-sent 20 times after continue-as-new once; other minutes under its key → 422', async () => {
    const r = await rentalWithHistoryLimit(40);
    const extend = (minutes: number, key: string) =>
      r.call<{ minutes: number; ends_at: string; starts_at: string }>(
        'POST',
        `/api/rentals/${r.rentalId}/extend`,
        { minutes },
        { 'Idempotency-Key': key },
      );
    const first = await extend(4, 'ext-1');
    expect(first.status).toBe(200);
    expect(first.body.minutes).toBe(14);

    // Chat until the workflow has continued as new (the extension's update id is unknown there).
    const firstRun = (await r.handle.describe()).runId;
    for (let i = 0; i < 40 && (await r.handle.describe()).runId === firstRun; i++) {
      expect((await r.call('POST', `/api/rentals/${r.rentalId}/messages`, { content: `m${i}` })).status).toBe(
        201,
      );
    }
    expect((await r.handle.describe()).runId).not.toBe(firstRun);

    const resent = await Promise.all(Array.from({ length: 20 }, () => extend(4, 'ext-1')));
    expect(resent.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(resent.map((a) => a.body.minutes))).toEqual(new Set([14]));
    const mismatch = await extend(6, 'ext-1');
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toEqual({
      error: 'Idempotency-Key was already used with different parameters',
      code: 'idempotency_mismatch',
    });

    const view = await r.call<{ minutes: number; ends_at: string; starts_at: string }>(
      'GET',
      `/api/rentals/${r.rentalId}`,
    );
    expect(view.body.minutes).toBe(14);
    expect(Date.parse(view.body.ends_at) - Date.parse(view.body.starts_at)).toBe(14 * 60_000);
    expect(await availableMicro(stack.db, r.renter.id)).toBe(toMicro(100 - 7));
    const extensions = await stack.db.query(
      `SELECT 1 FROM ledger_journals WHERE reference = $1 AND kind = 'rental_extend'`,
      [`rental:${r.rentalId}`],
    );
    expect(extensions.rowCount).toBe(1);

    // A new key still extends, and the settlement counts the paid minutes once.
    expect((await extend(1, 'ext-2')).body.minutes).toBe(15);
    expect((await r.call('POST', `/api/rentals/${r.rentalId}/end`, {})).status).toBe(200);
    const final = await r.handle.result();
    expect(final.minutes).toBe(15);
    expect(await availableMicro(stack.db, r.renter.id)).toBe(
      toMicro(100 - PRICE * (final.settlement?.billedMinutes ?? 0)),
    );
    await assertLedgerConsistent(stack.db);
  });
});

describe('withdrawal risk rules under concurrency', () => {
  const hotWallet = utils.accounts.generateAccount();
  let stack: Stack;
  let other: Stack;
  const config = {
    TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
    TRON_POLL_INTERVAL_MS: '100',
    WITHDRAWAL_FUNDS_RETRY_SECONDS: '1',
    WITHDRAWAL_REVIEW_NEW_ADDRESS: 'true',
    WITHDRAWAL_REVIEW_ABOVE_USD: '500',
    WITHDRAWAL_REVIEW_VELOCITY_PER_24H: '20',
  };
  beforeAll(async () => {
    stack = await startStack({ config });
    other = await secondApi(stack, config);
    await devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!).mint(
      hotWallet.address.base58,
      {
        usdt: 100_000,
        trx: 100_000,
      },
    );
  });
  afterAll(async () => {
    await other?.stop();
    await stack?.stop();
  });

  const destination = () => utils.accounts.generateAccount().address.base58;
  const withdraw = (i: number, account: TestAccount, amount: number, address: string, key = randomUUID()) =>
    apiClient((i % 2 ? other : stack).url, account.apiKey)<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount, address, currency: 'USDT' },
      { 'Idempotency-Key': key },
    );
  const rows = async (accountId: string) =>
    (
      await stack.db.query<{ id: string; status: string; review_reasons: string[] }>(
        'SELECT id, status, review_reasons FROM withdrawals WHERE account_id = $1',
        [accountId],
      )
    ).rows;

  it('reviews 20 concurrent withdrawals to an address whose first withdrawal is still in review', async () => {
    const account = await createFundedAccount(stack.db, 1100);
    const address = destination();
    const first = await withdraw(0, account, 50, address);
    expect(first.status).toBe(200);
    await waitFor(async () => (await rows(account.id))[0]?.status === 'review', 10_000, 'first in review');

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => withdraw(i, account, 50, address)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const all = await rows(account.id);
    expect(all).toHaveLength(21);
    for (const w of all) expect(w.review_reasons).toContain('new_address');
    await waitFor(
      async () => (await rows(account.id)).every((w) => w.status === 'review'),
      20_000,
      'every withdrawal in review',
    );
    expect(await availableMicro(stack.db, account.id)).toBe(toMicro(1100 - 21 * 50));
    await assertLedgerConsistent(stack.db);
  });

  it('counts in-flight withdrawals for velocity: of 25 concurrent ones exactly the 5 beyond 20 a day are flagged', async () => {
    const account = await createFundedAccount(stack.db, 600);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => withdraw(i, account, 20, destination())),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(25).fill(200));
    const all = await rows(account.id);
    expect(all.filter((w) => w.review_reasons.includes('velocity'))).toHaveLength(5);
    await assertLedgerConsistent(stack.db);
  });

  it('holds exactly 3 of 20 concurrent 30-USDT withdrawals under a 100 USDT spend cap; the rest 429', async () => {
    const account = await createFundedAccount(stack.db, 1000);
    await capSpending(stack, account, 100);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => withdraw(i, account, 30, destination())),
    );
    expect(acceptedUnderCap(answers, 200)).toBe(3);
    expect(await rows(account.id)).toHaveLength(3);
    expect(await availableMicro(stack.db, account.id)).toBe(toMicro(910));
    await assertLedgerConsistent(stack.db);
  });
});
