import type { Queryable } from './pool';

export const claimIdempotencyKey = (
  db: Queryable,
  accountId: string,
  scope: string,
  key: string,
  requestHash: string,
  staleAfterSeconds: number,
) =>
  db.query(
    `INSERT INTO idempotency_keys (account_id, scope, key, request_hash, state) VALUES ($1, $2, $3, $4, 'in_flight')
     ON CONFLICT (account_id, scope, key) DO UPDATE SET state = 'in_flight', created_at = now()
       WHERE idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash
         AND idempotency_keys.created_at < now() - make_interval(secs => $5)
     RETURNING key`,
    [accountId, scope, key, requestHash, staleAfterSeconds],
  );

export const idempotencyRecord = (db: Queryable, accountId: string, scope: string, key: string) =>
  db.query<{
    request_hash: string;
    state: string;
    response_status: number;
    response_body: unknown;
  }>(
    'SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE account_id = $1 AND scope = $2 AND key = $3',
    [accountId, scope, key],
  );

export const releaseIdempotencyKey = (db: Queryable, accountId: string, scope: string, key: string) =>
  db.query('DELETE FROM idempotency_keys WHERE account_id = $1 AND scope = $2 AND key = $3', [
    accountId,
    scope,
    key,
  ]);

export const completeIdempotencyKey = (
  db: Queryable,
  accountId: string,
  scope: string,
  key: string,
  status: number,
  bodyJson: string,
) =>
  db.query(
    `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5
      WHERE account_id = $1 AND scope = $2 AND key = $3`,
    [accountId, scope, key, status, bodyJson],
  );

export const cutoffBefore = (db: Queryable, seconds: number) =>
  db.query<{ cutoff: Date }>('SELECT now() - make_interval(secs => $1) AS cutoff', [seconds]);

export const purgeIdempotencyKeysBefore = (db: Queryable, before: Date, batchSize: number) =>
  db.query(
    `DELETE FROM idempotency_keys
          WHERE ctid IN (SELECT ctid FROM idempotency_keys
                          WHERE created_at < $1 AND state IN ('done', 'in_flight') LIMIT $2)
            AND created_at < $1`,
    [before, batchSize],
  );
