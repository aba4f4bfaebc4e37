/**
 * Test fixtures that do not depend on any feature's endpoints: accounts with API keys created
 * directly in Postgres, funds credited through the real posting function, and ledger checks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { generateApiKey } from '../../domain/api-keys';
import type { Db } from '../../db/pool';
import { balanceOf, postJournal } from '../../db/ledger';
import { toMicro } from '../../domain/money';

export interface TestAccount {
  id: string;
  apiKey: string;
  username: string;
}

export async function createTestAccount(
  db: Db,
  opts: {
    kind?: 'person' | 'bot';
    name?: string;
    ownerId?: string;
    referredBy?: string;
    pricePerMinute?: number; // USDT
    webhookUrl?: string;
    webhookToken?: string;
    integration?: 'events' | 'proxy';
    createdAt?: Date;
  } = {},
): Promise<TestAccount> {
  const id = randomUUID();
  const username = opts.name ?? `${opts.kind ?? 'person'}-${id.slice(0, 8)}`;
  await db.query(
    `INSERT INTO accounts (id, kind, username, display_name, owner_id, referral_code, referred_by,
                           price_per_minute, webhook_url, webhook_token, integration, created_at)
     VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now()))`,
    [
      id,
      opts.kind ?? 'person',
      username,
      opts.ownerId ?? null,
      `ref${id.replace(/-/g, '').slice(0, 10)}`,
      opts.referredBy ?? null,
      opts.pricePerMinute === undefined ? null : toMicro(opts.pricePerMinute),
      opts.webhookUrl ?? null,
      opts.webhookToken ?? null,
      opts.integration ?? null,
      opts.createdAt ?? null,
    ],
  );
  const key = generateApiKey(randomBytes);
  await db.query('INSERT INTO api_keys (id, account_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)', [
    randomUUID(),
    id,
    key.hash,
    key.prefix,
  ]);
  return { id, apiKey: key.key, username };
}

/** Credits `usdt` to an account's available balance (an operator adjustment). */
export async function fund(db: Db, accountId: string, usdt: number): Promise<void> {
  const amount = toMicro(usdt)!;
  await postJournal(db, {
    idempotencyKey: `test-fund:${randomUUID()}`,
    kind: 'adjustment',
    memo: { reason: 'test funding' },
    lines: [
      { account: { ownerId: null, purpose: 'adjustments' }, amount: -amount },
      { account: { ownerId: accountId, purpose: 'available' }, amount },
    ],
  });
}

/** A fresh account (see createTestAccount) credited with `usdt` when that is more than 0. */
export async function createFundedAccount(
  db: Db,
  usdt: number,
  opts: Parameters<typeof createTestAccount>[1] = {},
): Promise<TestAccount> {
  const account = await createTestAccount(db, opts);
  if (usdt > 0) await fund(db, account.id, usdt);
  return account;
}

export const availableMicro = (db: Db, accountId: string) =>
  balanceOf(db, { ownerId: accountId, purpose: 'available' });

/** The invariants of double-entry: all balances sum to zero and every balance equals its entries. */
export async function assertLedgerConsistent(db: Db): Promise<void> {
  const sum = await db.query<{ total: number | null }>(
    'SELECT sum(balance)::bigint AS total FROM ledger_accounts',
  );
  if ((sum.rows[0].total ?? 0) !== 0) throw new Error(`ledger does not sum to zero: ${sum.rows[0].total}`);
  const drift = await db.query(
    `SELECT a.id FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.ledger_account_id = a.id
      GROUP BY a.id, a.balance HAVING a.balance <> coalesce(sum(e.amount), 0)`,
  );
  if (drift.rowCount) throw new Error(`balances differ from their entries for ${drift.rowCount} accounts`);
  const negative = await db.query('SELECT id FROM ledger_accounts WHERE is_user AND balance < 0');
  if (negative.rowCount) throw new Error('a user balance is negative');
}

/** Small JSON HTTP client for black-box API tests. */
export function apiClient(baseUrl: string, apiKey?: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(apiKey ? { 'X-API-Key': apiKey } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // non-JSON body stays text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
}
