import type { Queryable, QueryResultRow } from './pool';

export const depositAddressOf = (db: Queryable, accountId: string) =>
  db.query<{ address: string }>('SELECT address FROM deposit_addresses WHERE account_id = $1', [accountId]);

export const nextDepositAddressIndex = (db: Queryable) =>
  db.query<{ index: number }>(`SELECT nextval('deposit_address_index_seq')::int AS index`);

export const insertDepositAddress = (
  db: Queryable,
  accountId: string,
  derivationIndex: number,
  address: string,
) =>
  db.query(
    `INSERT INTO deposit_addresses (account_id, derivation_index, address) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO NOTHING`,
    [accountId, derivationIndex, address],
  );

export const depositsOf = <R extends QueryResultRow>(
  db: Queryable,
  accountId: string,
  limit: number,
  offset: number,
) =>
  db.query<R>(
    `SELECT txid, log_index, address, from_address, amount, block_number, confirmations, status, created_at, credited_at
       FROM deposits WHERE account_id = $1 ORDER BY created_at DESC, txid, log_index LIMIT $2 OFFSET $3`,
    [accountId, limit, offset],
  );

export const withdrawalById = <R extends QueryResultRow>(db: Queryable, id: string) =>
  db.query<R>('SELECT * FROM withdrawals WHERE id = $1', [id]);
