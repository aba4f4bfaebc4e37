import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createPool, type Db } from '../../db/pool';
import { AppError, ErrorCode } from '../../domain/errors';
import { PLATFORM_SHARDS, type PostingLine } from '../../domain/ledger';
import { balanceOf, postJournal } from '../../db/ledger';
import { assertLedgerConsistent, createTestAccount, fund } from '../harness/fixtures';
import { harnessState } from '../harness/state';

let db: Db;
beforeAll(() => {
  db = createPool(harnessState().databaseUrl, 30);
});
afterAll(async () => {
  await db.end();
});

const transfer = (from: string, to: string, amount: number, fee: number): PostingLine[] => [
  { account: { ownerId: from, purpose: 'available' }, amount: -amount },
  { account: { ownerId: to, purpose: 'available' }, amount: amount - fee },
  ...(fee > 0 ? [{ account: { ownerId: null, purpose: 'platform_fees' as const }, amount: fee }] : []),
];

const userTotal = async (ids: string[]) =>
  (await Promise.all(ids.map((id) => balanceOf(db, { ownerId: id, purpose: 'available' })))).reduce(
    (a, b) => a + b,
    0,
  );

describe('ledger under concurrency', () => {
  it('keeps every invariant through 200+ concurrent random transfers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            from: fc.nat(5),
            to: fc.nat(5),
            amount: fc.integer({ min: 1, max: 3_000_000 }),
            withFee: fc.boolean(),
          }),
          { minLength: 200, maxLength: 260 },
        ),
        async (transfers) => {
          const ids = await Promise.all(
            Array.from({ length: 6 }, () => createTestAccount(db).then((a) => a.id)),
          );
          // Small balances: many transfers must be refused for insufficient funds.
          for (const id of ids) await fund(db, id, 20);
          const before = await userTotal(ids);
          const feesBefore = await balanceOf(db, { ownerId: null, purpose: 'platform_fees' });
          const results = await Promise.allSettled(
            transfers
              .filter((t) => t.from !== t.to)
              .map((t) =>
                postJournal(db, {
                  idempotencyKey: `prop:${randomUUID()}`,
                  kind: 'test_transfer',
                  lines: transfer(
                    ids[t.from],
                    ids[t.to],
                    t.amount,
                    t.withFee ? Math.floor(t.amount / 10) : 0,
                  ),
                }),
              ),
          );
          for (const r of results) {
            if (r.status === 'rejected') {
              expect(r.reason).toBeInstanceOf(AppError);
              expect((r.reason as AppError).code).toBe(ErrorCode.InsufficientBalance);
            }
          }
          await assertLedgerConsistent(db);
          const feesTaken = (await balanceOf(db, { ownerId: null, purpose: 'platform_fees' })) - feesBefore;
          expect((await userTotal(ids)) + feesTaken).toBe(before);
        },
      ),
      { numRuns: 3 },
    );
  });

  it('posts exactly one journal when the same key is posted 20 times at once', async () => {
    const a = await createTestAccount(db);
    const b = await createTestAccount(db);
    await fund(db, a.id, 10);
    const key = `same:${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        postJournal(db, {
          idempotencyKey: key,
          kind: 'test_transfer',
          lines: transfer(a.id, b.id, 1_000_000, 0),
        }),
      ),
    );
    expect(new Set(results.map((r) => r.journalId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const journals = await db.query('SELECT id FROM ledger_journals WHERE idempotency_key = $1', [key]);
    expect(journals.rowCount).toBe(1);
    expect(await balanceOf(db, { ownerId: b.id, purpose: 'available' })).toBe(1_000_000);
  });

  it('writes nothing when a posting would make a user balance negative', async () => {
    const a = await createTestAccount(db);
    const b = await createTestAccount(db);
    await fund(db, a.id, 1);
    const key = `overdraw:${randomUUID()}`;
    await expect(
      postJournal(db, {
        idempotencyKey: key,
        kind: 'test_transfer',
        lines: transfer(a.id, b.id, 1_000_001, 0),
      }),
    ).rejects.toMatchObject({ code: ErrorCode.InsufficientBalance });
    expect((await db.query('SELECT 1 FROM ledger_journals WHERE idempotency_key = $1', [key])).rowCount).toBe(
      0,
    );
    expect(await balanceOf(db, { ownerId: a.id, purpose: 'available' })).toBe(1_000_000);
  });

  it('creates a new escrow account once when 10 first postings to it race', async () => {
    const renter = await createTestAccount(db);
    await fund(db, renter.id, 10);
    const escrow = { ownerId: renter.id, purpose: 'escrow' as const, subject: `rental:${randomUUID()}` };
    await Promise.all(
      Array.from({ length: 10 }, () =>
        postJournal(db, {
          idempotencyKey: `escrow:${randomUUID()}`,
          kind: 'test_transfer',
          lines: [
            { account: { ownerId: renter.id, purpose: 'available' }, amount: -1_000_000 },
            { account: escrow, amount: 1_000_000 },
          ],
        }),
      ),
    );
    const rows = await db.query('SELECT balance FROM ledger_accounts WHERE owner_id = $1 AND subject = $2', [
      renter.id,
      escrow.subject,
    ]);
    expect(rows.rows).toEqual([{ balance: 10_000_000 }]);
  });

  it('leaves no new account behind when the posting that would create it is refused', async () => {
    const renter = await createTestAccount(db);
    await fund(db, renter.id, 1);
    const subject = `rental:${randomUUID()}`;
    await expect(
      postJournal(db, {
        idempotencyKey: `escrow:${randomUUID()}`,
        kind: 'test_transfer',
        lines: [
          { account: { ownerId: renter.id, purpose: 'available' }, amount: -2_000_000 },
          { account: { ownerId: renter.id, purpose: 'escrow', subject }, amount: 2_000_000 },
        ],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.InsufficientBalance });
    const rows = await db.query('SELECT 1 FROM ledger_accounts WHERE subject = $1', [subject]);
    expect(rows.rowCount).toBe(0);
  });

  it('spreads platform fees over several rows instead of one hot row', async () => {
    const a = await createTestAccount(db);
    const b = await createTestAccount(db);
    await fund(db, a.id, 100);
    await Promise.all(
      Array.from({ length: 40 }, () =>
        postJournal(db, {
          idempotencyKey: `fee:${randomUUID()}`,
          kind: 'test_transfer',
          lines: transfer(a.id, b.id, 1_000_000, 100_000),
        }),
      ),
    );
    const shards = await db.query(
      `SELECT shard FROM ledger_accounts WHERE owner_id IS NULL AND purpose = 'platform_fees'`,
    );
    expect(shards.rowCount).toBeGreaterThan(1);
    expect(shards.rowCount).toBeLessThanOrEqual(PLATFORM_SHARDS);
  });
});
