/** Creating accounts and API keys: the only SQL that writes `accounts` and `api_keys` rows. */
import { randomBytes, randomUUID } from 'node:crypto';
import { generateApiKey } from '../domain/api-keys';
import { type Db, type DbClient, pgErrorCode, type Queryable, withTransaction } from './pool';
import { appError } from '../domain/errors';
import { generateSigningSecret } from '../domain/webhook-signing';
import { type KeysetAfter, keyParams, keyTime } from './keyset';
import { ratingJoinSql } from './ratings';

export interface NewAccount {
  kind: 'person' | 'bot';
  displayName?: string;
  email?: string;
  username?: string;
  passwordHash?: string;
  ownerId?: string;
  referredBy?: string;
  /** With ownerId: the most bots that owner may own; one more throws 409 too_many_bots. */
  maxOwnedBots?: number;
}

export interface IssuedKey {
  id: string;
  key: string;
  prefix: string;
  name: string | null;
  createdAt: Date;
}

// No 0/o/1/l/i: codes are read aloud and typed from screenshots.
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function newReferralCode(): string {
  const bytes = randomBytes(8);
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

export async function insertApiKey(
  tx: Pick<DbClient, 'query'>,
  accountId: string,
  name: string | null = null,
): Promise<IssuedKey> {
  const key = generateApiKey(randomBytes);
  const id = randomUUID();
  const r = await tx.query<{ created_at: Date }>(
    'INSERT INTO api_keys (id, account_id, key_hash, key_prefix, name) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
    [id, accountId, key.hash, key.prefix, name],
  );
  return { id, key: key.key, prefix: key.prefix, name, createdAt: r.rows[0].created_at };
}

/**
 * Inserts an account and, when `withKey`, its first API key, in one transaction. A duplicate
 * email or username is a 409; a referral-code collision (8 chars of 31) is retried.
 */
export async function createAccount(
  db: Db,
  input: NewAccount,
  withKey: boolean,
): Promise<{ id: string; referralCode: string; createdAt: Date; key?: IssuedKey }> {
  for (let attempt = 0; ; attempt++) {
    const id = randomUUID();
    const referralCode = newReferralCode();
    try {
      return await withTransaction(db, async (tx) => {
        if (input.ownerId !== undefined && input.maxOwnedBots !== undefined) {
          // Under the owner's lock, so concurrent creations (any API process) count each other.
          await lockAccount(tx, input.ownerId);
          const owned = await tx.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM accounts WHERE owner_id = $1',
            [input.ownerId],
          );
          if (owned.rows[0].n >= input.maxOwnedBots) throw appError('too_many_bots', input.maxOwnedBots);
        }
        const r = await tx.query<{ created_at: Date }>(
          `INSERT INTO accounts (id, kind, email, username, password_hash, display_name, owner_id,
                                 referral_code, referred_by, webhook_secret)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING created_at`,
          [
            id,
            input.kind,
            input.email ?? null,
            input.username ?? null,
            input.passwordHash ?? null,
            input.displayName ?? null,
            input.ownerId ?? null,
            referralCode,
            input.referredBy ?? null,
            generateSigningSecret(randomBytes),
          ],
        );
        const key = withKey ? await insertApiKey(tx, id) : undefined;
        return { id, referralCode, createdAt: r.rows[0].created_at, key };
      });
    } catch (err) {
      if (pgErrorCode(err) !== '23505') throw err;
      const constraint = (err as { constraint?: string }).constraint;
      if (constraint === 'accounts_email_key') throw appError('email_taken');
      if (constraint === 'accounts_username_key') throw appError('username_taken');
      if (attempt >= 5) throw err;
    }
  }
}

export interface KeyRow {
  id: string;
  key_prefix: string;
  name: string | null;
  rate_limit_per_minute: number;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
export const KEY_COLUMNS =
  'id, key_prefix, name, rate_limit_per_minute, created_at, last_used_at, revoked_at';

export const accountIdByReferralCode = (db: Queryable, code: string) =>
  db.query<{ id: string }>('SELECT id FROM accounts WHERE referral_code = $1', [code]);

export const credentialsByEmail = (db: Queryable, email: string) =>
  db.query<{ id: string; role: 'user' | 'admin'; password_hash: string | null }>(
    'SELECT id, role, password_hash FROM accounts WHERE lower(email) = lower($1)',
    [email],
  );

/**
 * One keyset page of an account's keys, newest first by (created_at, id): rows strictly after
 * `after` (`[created_at as key text, id]`), at most `take`.
 */
export const keysOf = (db: Queryable, accountId: string, after: KeysetAfter, take: number) =>
  db.query<KeyRow & { key_time: string }>(
    `SELECT ${KEY_COLUMNS}, ${keyTime('created_at')} AS key_time FROM api_keys
      WHERE account_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, ...keyParams(after, 2), take],
  );

export const keyById = (db: Queryable, keyId: string) =>
  db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [keyId]);

export const revokeApiKey = (db: Queryable, keyId: string, accountId: string) =>
  db.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND account_id = $2
     RETURNING ${KEY_COLUMNS}`,
    [keyId, accountId],
  );

export const lockKeyOf = (db: Queryable, keyId: string, accountId: string) =>
  db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND account_id = $2 FOR UPDATE`, [
    keyId,
    accountId,
  ]);

export const markKeyRevoked = (db: Queryable, keyId: string) =>
  db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);

export const setKeyRateLimit = (db: Queryable, keyId: string, rateLimitPerMinute: number) =>
  db.query<KeyRow>(`UPDATE api_keys SET rate_limit_per_minute = $2 WHERE id = $1 RETURNING ${KEY_COLUMNS}`, [
    keyId,
    rateLimitPerMinute,
  ]);

export const accountById = (db: Queryable, accountId: string) =>
  db.query<{
    id: string;
    kind: 'person' | 'bot';
    role: 'user' | 'admin';
    email: string | null;
    username: string | null;
    display_name: string | null;
    owner_id: string | null;
    referral_code: string;
    settings: { max_hourly_spend_usd?: number | null };
    created_at: Date;
  }>(
    `SELECT id, kind, role, email, username, display_name, owner_id, referral_code, settings, created_at
       FROM accounts WHERE id = $1`,
    [accountId],
  );

export const setMaxHourlySpend = (db: Queryable, accountId: string, capJson: string) =>
  db.query(
    `UPDATE accounts SET settings = jsonb_set(settings, '{max_hourly_spend_usd}', $2::jsonb) WHERE id = $1`,
    [accountId, capJson],
  );

export const referralCodeOf = (db: Queryable, accountId: string) =>
  db.query<{ referral_code: string }>('SELECT referral_code FROM accounts WHERE id = $1', [accountId]);

export const referredAccountsOf = (db: Queryable, accountId: string, windowDays: number) =>
  db.query<{ name: string; joined_at: Date; expires_at: Date; commission: number }>(
    `SELECT coalesce(a.display_name, a.username, 'anonymous') AS name, a.created_at AS joined_at,
            a.created_at + make_interval(days => $2) AS expires_at,
            coalesce(c.commission, 0)::bigint AS commission
       FROM accounts a
       LEFT JOIN (
         SELECT j.memo->>'referred_id' AS referred_id, sum(e.amount) AS commission
           FROM ledger_journals j
           JOIN ledger_entries e ON e.journal_id = j.id
           JOIN ledger_accounts la ON la.id = e.ledger_account_id AND la.owner_id = $1
          WHERE j.kind = 'referral_commission' AND j.memo->>'referrer_id' = $1::text
          GROUP BY 1
       ) c ON c.referred_id = a.id::text
      WHERE a.referred_by = $1
      ORDER BY a.created_at DESC, a.id`,
    [accountId, windowDays],
  );

export const accountsWithReferralCode = (db: Queryable, code: string) =>
  db.query('SELECT 1 FROM accounts WHERE referral_code = $1', [code]);

export const referrerWithinWindow = (db: Queryable, accountId: string, windowDays: number) =>
  db.query<{ referred_by: string | null }>(
    `SELECT referred_by FROM accounts WHERE id = $1 AND created_at > now() - make_interval(days => $2)`,
    [accountId, windowDays],
  );

/**
 * Issues an API key unless the account already has `max` live (unrevoked) ones: 409
 * too_many_api_keys. Under the account's lock, so concurrent requests count each other.
 */
export async function insertApiKeyWithinLimit(
  db: Db,
  accountId: string,
  name: string | null,
  max: number,
): Promise<IssuedKey> {
  return withTransaction(db, async (tx) => {
    await lockAccount(tx, accountId);
    const live = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL',
      [accountId],
    );
    if (live.rows[0].n >= max) throw appError('too_many_api_keys', max);
    return insertApiKey(tx, accountId, name);
  });
}

/** Serializes decisions about one account (the `lock_account` advisory lock of the schema). */
export const lockAccount = (db: Queryable, accountId: string) =>
  db.query('SELECT lock_account($1)', [accountId]);

export interface PublicProfileRow {
  id: string;
  name: string;
  is_bot: boolean;
  created_at: Date;
  rating_sum: number;
  rating_count: number;
  tasks_completed: number;
}

/**
 * What anyone may see of an account (the referral list's privacy rule: no email, wallet, auth
 * provider or balances): public name, whether it is a bot, join date, ratings received and the
 * tasks it completed (approved submissions).
 */
export const publicProfileOf = (db: Queryable, id: string) =>
  db.query<PublicProfileRow>(
    `SELECT a.id, coalesce(a.display_name, a.username, 'anonymous') AS name, a.is_bot, a.created_at,
            a_rt.rating_sum, a_rt.rating_count,
            (SELECT count(*)::int FROM task_acceptances t
              WHERE t.worker_id = a.id AND t.status = 'approved') AS tasks_completed
       FROM accounts a ${ratingJoinSql('a')}
      WHERE a.id = $1`,
    [id],
  );
