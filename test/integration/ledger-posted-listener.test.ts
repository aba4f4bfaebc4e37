/**
 * The ledger's posted-journal listener (db/ledger.ts onJournalPosted), which the worker's
 * agentrent_ledger_postings_total counts: once per newly inserted journal, after its transaction
 * committed — never for a replayed idempotency key, never for a rolled-back transaction.
 * Real Postgres.
 */
import { randomUUID } from 'node:crypto';
import { createPool, type Db, withTransaction } from '../../db/pool';
import { onJournalPosted, postJournal } from '../../db/ledger';
import type { Posting } from '../../domain/ledger';
import { createFundedAccount } from '../harness/fixtures';
import { harnessState } from '../harness/state';

describe('ledger posted-journal listener', () => {
  let db: Db;
  let seen: string[];
  let stop: () => void;

  beforeAll(() => {
    db = createPool(harnessState().databaseUrl, 4);
  });
  beforeEach(() => {
    seen = [];
    // Only this file's keys: the funding of each test account is a posting too.
    stop = onJournalPosted((p) => {
      if (p.idempotencyKey.startsWith('listener-test:')) seen.push(p.idempotencyKey);
    });
  });
  afterEach(() => stop());
  afterAll(async () => {
    await db.end();
  });

  async function posting(): Promise<Posting> {
    const account = await createFundedAccount(db, 10);
    const subject = `rental:${randomUUID()}`;
    return {
      idempotencyKey: `listener-test:${subject}`,
      kind: 'rental_hold',
      reference: subject,
      lines: [
        { account: { ownerId: account.id, purpose: 'available' }, amount: -1_000_000 },
        { account: { ownerId: account.id, purpose: 'escrow', subject }, amount: 1_000_000 },
      ],
    };
  }

  it('hears a new journal once, and not the same key posted again', async () => {
    const p = await posting();
    await postJournal(db, p);
    await postJournal(db, p);
    await Promise.all(Array.from({ length: 20 }, () => postJournal(db, p)));
    expect(seen).toEqual([p.idempotencyKey]);
  });

  it('hears a journal posted in a transaction only once the transaction committed', async () => {
    const p = await posting();
    let heardBeforeCommit = true;
    await withTransaction(db, async (tx) => {
      await postJournal(tx, p);
      heardBeforeCommit = seen.length > 0;
    });
    expect(heardBeforeCommit).toBe(false);
    expect(seen).toEqual([p.idempotencyKey]);
  });

  it('does not hear a journal whose transaction rolled back', async () => {
    const p = await posting();
    await expect(
      withTransaction(db, async (tx) => {
        await postJournal(tx, p);
        throw new Error('something after the posting failed');
      }),
    ).rejects.toThrow('something after the posting failed');
    expect(seen).toEqual([]);
    const journals = await db.query('SELECT 1 FROM ledger_journals WHERE idempotency_key = $1', [
      p.idempotencyKey,
    ]);
    expect(journals.rowCount).toBe(0);
  });
});
