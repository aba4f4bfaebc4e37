import pg from 'pg';

// BIGINT columns hold micro-USDT (< 2^53 by construction, see money.ts): read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// NUMERIC is used only for counters; keep it exact as a string.

export type { QueryResultRow } from 'pg';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** `statementTimeoutMs`: Postgres cancels any statement running longer (the API's request deadline). */
export function createPool(
  connectionString: string,
  max = 20,
  opts: { statementTimeoutMs?: number } = {},
): Db {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

const commitHooks = new WeakMap<DbClient, Array<() => void>>();

/** Runs `hook` once the transaction of `tx` (a withTransaction client) commits; never on rollback. */
export function afterCommit(tx: DbClient, hook: () => void): void {
  const hooks = commitHooks.get(tx);
  if (hooks) hooks.push(hook);
}

/** Runs `fn` in one transaction; rolls back on any throw. */
export async function withTransaction<T>(db: Db, fn: (tx: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  const hooks: Array<() => void> = [];
  commitHooks.set(client, hooks);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    for (const hook of hooks) hook();
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    commitHooks.delete(client);
    client.release();
  }
}

/** Postgres error code for unique_violation etc., when `err` is a pg DatabaseError. */
export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** An ILIKE/LIKE pattern matching `text` anywhere, with its own `%`, `_` and `\` taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
