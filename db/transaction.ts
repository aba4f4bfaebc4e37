/**
 * The transaction helper (and the LIKE-pattern escape) use cases may hold: they pass the transaction's client to store
 * functions, so a multi-statement use case keeps its single transaction and its locks while its
 * SQL stays in the stores. (api/ may not import db/pool, which also creates pools.)
 */
export { containsPattern, type Db, type DbClient, type Queryable, withTransaction } from './pool';
