import type { Queryable } from './pool';

export const touchApiKey = (db: Queryable, keyHash: string) =>
  db.query<{
    id: string;
    account_id: string;
    role: 'user' | 'admin';
    is_bot: boolean;
    rate_limit_per_minute: number;
  }>(
    `UPDATE api_keys k SET last_used_at = now()
         FROM accounts a
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND a.id = k.account_id
       RETURNING k.id, k.account_id, a.role, a.is_bot, k.rate_limit_per_minute`,
    [keyHash],
  );

export const accountRoleOf = (db: Queryable, accountId: string) =>
  db.query<{ role: 'user' | 'admin'; is_bot: boolean }>('SELECT role, is_bot FROM accounts WHERE id = $1', [
    accountId,
  ]);
