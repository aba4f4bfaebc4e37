import type { Queryable } from './pool';

export const ping = (db: Queryable) => db.query('SELECT 1');
