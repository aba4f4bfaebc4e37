/**
 * The Idempotency-Key rules of api/idempotency.ts as a plain function, for callers that are not an
 * Express route (the MCP tools). Same table, same scopes, same request hash and the same errors,
 * so a key used over REST and retried over MCP (or the other way round) replays one response.
 * `idempotent()` in api/idempotency.ts is the Express wrapper around `runIdempotent`.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/pool';
import { appError } from '../domain/errors';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  idempotencyRecord,
  releaseIdempotencyKey,
} from '../db/idempotency';

export interface StoredResult {
  status: number;
  body: unknown;
}

/** An in-flight record older than this belongs to a request whose process died; it may be retried. */
const STALE_IN_FLIGHT_MS = 60_000;

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Printable ASCII (space inside is fine): a key is an opaque token, stored as text and in ids. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7E]+$/;
export const IDEMPOTENCY_KEY_RULE = 'must be printable ASCII characters';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The hash `requestHash(req)` computes for a REST request with this method, path and JSON body. */
export function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest('hex');
}

/**
 * Runs `fn` at most once per (account, scope, key): same key + same request → the stored result
 * again (`replayed`); same key + different request → 422; same key still running → 409. A throwing
 * `fn` frees the key, since nothing was committed under it.
 */
export async function runIdempotent(
  db: Db,
  accountId: string,
  scope: string,
  key: string,
  requestHash: string,
  fn: () => Promise<StoredResult>,
): Promise<StoredResult & { replayed: boolean }> {
  const claimed = await claimIdempotencyKey(
    db,
    accountId,
    scope,
    key,
    requestHash,
    STALE_IN_FLIGHT_MS / 1000,
  );
  if (claimed.rowCount === 0) {
    const existing = await idempotencyRecord(db, accountId, scope, key);
    const row = existing.rows[0];
    if (row && row.request_hash !== requestHash) {
      throw appError('idempotency_mismatch');
    }
    if (!row || row.state === 'in_flight') {
      throw appError('idempotency_in_flight');
    }
    return { status: row.response_status, body: row.response_body, replayed: true };
  }
  let result: StoredResult;
  try {
    result = await fn();
  } catch (err) {
    await releaseIdempotencyKey(db, accountId, scope, key);
    throw err;
  }
  await completeIdempotencyKey(db, accountId, scope, key, result.status, JSON.stringify(result.body));
  return { ...result, replayed: false };
}
