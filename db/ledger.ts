/**
 * The one posting function of the double-entry ledger. Every balance change in the platform is a
 * journal whose lines sum to zero, written in one transaction under a unique idempotency key:
 * posting the same key again is a no-op that returns the original journal.
 */
import { randomBytes } from 'node:crypto';
import { errorText } from '../domain/error-texts';
import { AppError, ErrorCode } from '../domain/errors';
import {
  type LedgerAccountKey,
  PLATFORM_SHARDS,
  type Posting,
  type PostingResult,
  SHARDED_PURPOSES,
  timeOrderedUuid,
  validatePosting,
} from '../domain/ledger';
import type { Micro } from '../domain/money';
import {
  SPEND_CAP_MESSAGE,
  SPEND_CAP_RETRY_AFTER,
  SPEND_CAP_SQLSTATE,
  SPENDING_KINDS,
  spendOf,
} from '../domain/spend';
import { afterCommit, type Db, type DbClient, pgErrorCode, type Queryable } from './pool';

const keyString = (k: LedgerAccountKey, shard: number) =>
  `${k.ownerId ?? '-'}|${k.purpose}|${k.subject ?? ''}|${shard}`;

// Ledger account ids never change once created, so they are cached per process.
const accountIdCache = new Map<string, number>();

/** One account's line of a posting: its lines merged, its id when cached. */
interface AccountLine {
  key: LedgerAccountKey;
  shard: number;
  cacheKey: string;
  id: number | undefined;
  amount: number;
}

/** The posting's lines merged per account (zero sums dropped), each with its cached id if any. */
function accountLines(posting: Posting): AccountLine[] {
  const byAccount = new Map<string, AccountLine>();
  for (const line of posting.lines) {
    const shard = SHARDED_PURPOSES.has(line.account.purpose)
      ? Math.floor(Math.random() * PLATFORM_SHARDS)
      : 0;
    const cacheKey = keyString(line.account, shard);
    const seen = byAccount.get(cacheKey);
    if (seen) seen.amount += line.amount;
    else
      byAccount.set(cacheKey, {
        key: line.account,
        shard,
        cacheKey,
        id: accountIdCache.get(cacheKey),
        amount: line.amount,
      });
  }
  return [...byAccount.values()].filter((l) => l.amount !== 0);
}

/**
 * The posting statement when some account ids are not cached: each such account is resolved (and
 * created when missing) by ledger_account_id inside the statement (migration 8920), before
 * ledger_post runs, so the posting stays one round trip; the statement answers the ids to cache.
 * `head` holds the parameters before the account and amount arrays.
 */
function inlineAccountsQuery(fn: 'ledger_post' | 'ledger_post_spend', head: unknown[], lines: AccountLine[]) {
  const values = [...head];
  const arg = (v: unknown) => `$${values.push(v)}`;
  const ids = lines.map((l) =>
    l.id !== undefined
      ? `${arg(l.id)}::bigint`
      : `ledger_account_id(${arg(l.key.ownerId)}::uuid, ${arg(l.key.purpose)}, ${arg(l.key.subject ?? '')}, ${arg(l.shard)}::smallint)`,
  );
  const amounts = `${arg(lines.map((l) => l.amount))}::bigint[]`;
  const params = head.map((_, i) => `$${i + 1}${fn === 'ledger_post_spend' && i === 2 ? '::text[]' : ''}`);
  return {
    // One prepared statement per shape (which lines are cached): a handful per process.
    name: `${fn}_inline_${lines.map((l) => (l.id === undefined ? 'u' : 'c')).join('')}`,
    // A CTE with a volatile function is evaluated once, and before the LATERAL call that uses it.
    text: `WITH a AS (SELECT ARRAY[${ids.join(', ')}]::bigint[] AS ids)
           SELECT p.journal_id, p.created, a.ids FROM a, LATERAL ${fn}(${params.join(', ')}, a.ids, ${amounts}) p`,
    values,
  };
}

/** Caches the ids an inline posting resolved, once they surely exist (after its transaction). */
function rememberAccountIds(db: Db | DbClient, lines: AccountLine[], ids: Array<number | string>): void {
  const remember = () => lines.forEach((l, i) => accountIdCache.set(l.cacheKey, Number(ids[i])));
  if ('release' in db) afterCommit(db, remember);
  else remember();
}

type PostedListener = (posting: Posting) => void;
const postedListeners = new Set<PostedListener>();

/**
 * Calls `listener` once per journal this process newly inserts (not for a replayed key), after its
 * transaction committed (the worker's ledger-postings counter). Returns the unsubscribe.
 */
export function onJournalPosted(listener: PostedListener): () => void {
  postedListeners.add(listener);
  return () => postedListeners.delete(listener);
}

function notifyPosted(db: Db | DbClient, posting: Posting): void {
  if (postedListeners.size === 0) return;
  const notify = () => postedListeners.forEach((l) => l(posting));
  if ('release' in db) afterCommit(db, notify);
  else notify();
}

/**
 * Posts a balanced journal exactly once per idempotency key. Throws AppError(InsufficientBalance)
 * when a user account would go negative, AppError(SpendCapExceeded) when a spending posting would
 * take the account above its hourly spend cap (nothing is written then). A transaction's client
 * may be passed, so a posting commits or rolls back with the state change it belongs to.
 */
export async function postJournal(db: Db | DbClient, posting: Posting): Promise<PostingResult> {
  validatePosting(posting);
  // Merged per account; ledger_post applies them in ascending id order (one lock order, no deadlocks).
  const lines = accountLines(posting);
  const common = [
    timeOrderedUuid(Date.now(), randomBytes),
    posting.idempotencyKey,
    posting.kind,
    posting.reference ?? null,
    JSON.stringify(posting.memo ?? {}),
  ];
  // Spending is checked against the hourly cap in the same statement, under the account lock.
  const spend = spendOf(posting.kind, posting.lines);
  const head = spend ? [spend.spender, spend.amount, SPENDING_KINDS, ...common] : common;
  const fn = spend ? 'ledger_post_spend' : 'ledger_post';
  try {
    let r;
    if (lines.every((l) => l.id !== undefined)) {
      const ordered = [...lines].sort((a, b) => a.id! - b.id!);
      // One statement (ledger_post, migration 2000) = one implicit transaction and one round trip.
      // Named: each pooled connection parses and plans it once.
      r = await db.query<{ journal_id: string; created: boolean }>(
        spend
          ? {
              name: 'ledger_post_spend',
              text: `SELECT journal_id, created FROM ledger_post_spend($1, $2, $3::text[], $4, $5, $6, $7, $8, $9::bigint[], $10::bigint[])`,
              values: [...head, ordered.map((l) => l.id), ordered.map((l) => l.amount)],
            }
          : {
              name: 'ledger_post',
              text: 'SELECT journal_id, created FROM ledger_post($1, $2, $3, $4, $5, $6::bigint[], $7::bigint[])',
              values: [...head, ordered.map((l) => l.id), ordered.map((l) => l.amount)],
            },
      );
    } else {
      r = await db.query<{ journal_id: string; created: boolean; ids: Array<number | string> }>(
        inlineAccountsQuery(fn, head, lines),
      );
      rememberAccountIds(db, lines, r.rows[0].ids);
    }
    if (r.rows[0].created) notifyPosted(db, posting);
    return { journalId: r.rows[0].journal_id, created: r.rows[0].created };
  } catch (err) {
    if (pgErrorCode(err) === '23514') {
      throw new AppError(
        ErrorCode.InsufficientBalance,
        errorText('insufficient_balance'),
        {},
        { cause: err },
      );
    }
    if (pgErrorCode(err) === SPEND_CAP_SQLSTATE) {
      throw new AppError(
        ErrorCode.SpendCapExceeded,
        SPEND_CAP_MESSAGE,
        { ...SPEND_CAP_RETRY_AFTER },
        { cause: err },
      );
    }
    throw err;
  }
}

/** Balance of one ledger account (sum over shards), 0 when it does not exist yet. */
export async function balanceOf(db: Pick<Db, 'query'>, key: LedgerAccountKey): Promise<Micro> {
  const r = await db.query<{ balance: number | null }>(
    `SELECT sum(balance)::bigint AS balance FROM ledger_accounts
     WHERE owner_id IS NOT DISTINCT FROM $1 AND purpose = $2 AND subject = $3`,
    [key.ownerId, key.purpose, key.subject ?? ''],
  );
  return r.rows[0]?.balance ?? 0;
}

export const spendCapAndSpent = (db: Queryable, accountId: string, spendingKinds: readonly string[]) =>
  db.query<{ cap: number | null; spent: number | null }>(
    `SELECT (a.settings->>'max_hourly_spend_usd')::numeric::float8 AS cap,
            (SELECT -sum(e.amount)::bigint
               FROM ledger_entries e
               JOIN ledger_accounts la ON la.id = e.ledger_account_id
               JOIN ledger_journals j ON j.id = e.journal_id
              WHERE la.owner_id = a.id AND la.purpose = 'available' AND e.amount < 0
                AND j.kind = ANY($2) AND e.created_at > now() - interval '1 hour') AS spent
       FROM accounts a WHERE a.id = $1`,
    [accountId, spendingKinds],
  );

export const walletBalancesOf = (db: Queryable, accountId: string) =>
  db.query<{ available: number; held: number }>(
    `SELECT coalesce(sum(balance) FILTER (WHERE purpose = 'available'), 0)::bigint AS available,
            coalesce(sum(balance) FILTER (WHERE purpose IN ('held', 'escrow')), 0)::bigint AS held
       FROM ledger_accounts WHERE owner_id = $1`,
    [accountId],
  );

/**
 * Newest first, one row per journal touching the account's ledger accounts, strictly below
 * `beforeSeq` (the cursor's key; null for the first page), at most `limit` rows. `seq` is the
 * journal's highest entry id: entry ids only grow, and filtering on the per-journal maximum keeps
 * a journal whole on one page even when concurrent postings interleave their entry ids.
 */
export const walletHistoryOf = (db: Queryable, accountId: string, beforeSeq: number | null, limit: number) =>
  db.query<{
    id: string;
    kind: string;
    reference: string | null;
    created_at: Date;
    seq: number;
    available: number;
    held: number;
  }>(
    `SELECT j.id, j.kind, j.reference, j.created_at, s.seq, s.available, s.held
       FROM (SELECT e.journal_id, max(e.id) AS seq,
                    coalesce(sum(e.amount) FILTER (WHERE la.purpose = 'available'), 0)::bigint AS available,
                    coalesce(sum(e.amount) FILTER (WHERE la.purpose <> 'available'), 0)::bigint AS held
               FROM ledger_entries e
               JOIN ledger_accounts la ON la.id = e.ledger_account_id
              WHERE la.owner_id = $1
              GROUP BY e.journal_id
             HAVING $2::bigint IS NULL OR max(e.id) < $2::bigint
              ORDER BY seq DESC
              LIMIT $3) s
       JOIN ledger_journals j ON j.id = s.journal_id
      ORDER BY s.seq DESC`,
    [accountId, beforeSeq, limit],
  );

export const adjustmentOf = (db: Queryable, journalId: string) =>
  db.query<{ reason: string | null; amount: number; owner_id: string }>(
    `SELECT j.memo->>'reason' AS reason, e.amount, la.owner_id
       FROM ledger_journals j
       JOIN ledger_entries e ON e.journal_id = j.id
       JOIN ledger_accounts la ON la.id = e.ledger_account_id
      WHERE j.id = $1 AND la.owner_id IS NOT NULL`,
    [journalId],
  );

export const accountExists = (db: Queryable, accountId: string) =>
  db.query('SELECT 1 FROM accounts WHERE id = $1', [accountId]);

/** An account's total over all its ledger accounts, and whether the journal `key` is posted. */
export const totalAndPostedOf = (db: Queryable, accountId: string, key: string) =>
  db.query<{ total: number; posted: boolean }>(
    `SELECT coalesce(sum(balance), 0)::bigint AS total,
            EXISTS (SELECT 1 FROM ledger_journals WHERE idempotency_key = $2) AS posted
       FROM ledger_accounts WHERE owner_id = $1`,
    [accountId, key],
  );
