/** Creating accounts and API keys: the only SQL that writes `accounts` and `api_keys` rows. */
import { randomBytes, randomUUID } from 'node:crypto';
import { generateApiKey } from '../domain/api-keys';
import { type Db, type DbClient, pgErrorCode, withTransaction } from './pool';
import { AppError, ErrorCode } from '../domain/errors';
import { generateSigningSecret } from '../domain/webhook-signing';

export interface NewAccount {
  kind: 'person' | 'bot';
  displayName?: string;
  email?: string;
  username?: string;
  passwordHash?: string;
  ownerId?: string;
  referredBy?: string;
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
  const key = generateApiKey();
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
            generateSigningSecret(),
          ],
        );
        const key = withKey ? await insertApiKey(tx, id) : undefined;
        return { id, referralCode, createdAt: r.rows[0].created_at, key };
      });
    } catch (err) {
      if (pgErrorCode(err) !== '23505') throw err;
      const constraint = (err as { constraint?: string }).constraint;
      if (constraint === 'accounts_email_key')
        throw new AppError(ErrorCode.Conflict, 'email is already registered');
      if (constraint === 'accounts_username_key')
        throw new AppError(ErrorCode.Conflict, 'username is already taken');
      if (attempt >= 5) throw err;
    }
  }
}
