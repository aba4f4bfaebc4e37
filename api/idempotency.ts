/**
 * Idempotency-Key handling (SPEC "Conventions"): same key + same body → the original response;
 * same key + different body → 422; same key while the first is in flight → 409; missing → 400.
 * Keys are scoped per account and operation and kept at least 24 h.
 */
import type { Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import type { Db } from '../domain/db';
import { AppError, ErrorCode } from '../domain/errors';
import { principalOf } from './auth';

export interface HandlerResult {
  status: number;
  body: unknown;
}

/** An in-flight record older than this belongs to a request whose process died; it may be retried. */
const STALE_IN_FLIGHT_MS = 60_000;

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

export function requestHash(req: Request): string {
  return createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${canonical(req.body)}`)
    .digest('hex');
}

export function idempotencyKeyOf(req: Request): string {
  const key = req.get('idempotency-key')?.trim();
  if (!key) throw new AppError(ErrorCode.Validation, 'Idempotency-Key header is required');
  if (key.length > 255)
    throw new AppError(ErrorCode.Validation, 'Idempotency-Key header is too long (max 255)');
  return key;
}

/**
 * Wraps a handler so it runs at most once per (account, scope, key). The handler receives the key
 * so it can derive deterministic business ids from it.
 */
export function idempotent(
  db: Db,
  scope: string,
  handler: (req: Request, res: Response, key: string) => Promise<HandlerResult>,
): RequestHandler {
  return async (req, res) => {
    const { accountId } = principalOf(res);
    const key = idempotencyKeyOf(req);
    const hash = requestHash(req);
    const claimed = await db.query(
      `INSERT INTO idempotency_keys (account_id, scope, key, request_hash, state) VALUES ($1, $2, $3, $4, 'in_flight')
       ON CONFLICT (account_id, scope, key) DO UPDATE SET state = 'in_flight', created_at = now()
         WHERE idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash
           AND idempotency_keys.created_at < now() - make_interval(secs => $5)
       RETURNING key`,
      [accountId, scope, key, hash, STALE_IN_FLIGHT_MS / 1000],
    );
    if (claimed.rowCount === 0) {
      const existing = await db.query<{
        request_hash: string;
        state: string;
        response_status: number;
        response_body: unknown;
      }>(
        'SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE account_id = $1 AND scope = $2 AND key = $3',
        [accountId, scope, key],
      );
      const row = existing.rows[0];
      if (!row)
        throw new AppError(
          ErrorCode.IdempotencyInFlight,
          'request with this Idempotency-Key is still in flight',
        );
      if (row.request_hash !== hash) {
        throw new AppError(
          ErrorCode.IdempotencyMismatch,
          'Idempotency-Key was already used with different parameters',
        );
      }
      if (row.state === 'in_flight') {
        throw new AppError(
          ErrorCode.IdempotencyInFlight,
          'request with this Idempotency-Key is still in flight',
        );
      }
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(row.response_status).json(row.response_body);
      return;
    }
    let result: HandlerResult;
    try {
      result = await handler(req, res, key);
    } catch (err) {
      // Nothing was committed under this key: free it so the client may retry.
      await db.query('DELETE FROM idempotency_keys WHERE account_id = $1 AND scope = $2 AND key = $3', [
        accountId,
        scope,
        key,
      ]);
      throw err;
    }
    await db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5
        WHERE account_id = $1 AND scope = $2 AND key = $3`,
      [accountId, scope, key, result.status, JSON.stringify(result.body)],
    );
    res.status(result.status).json(result.body);
  };
}
