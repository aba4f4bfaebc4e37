/**
 * Idempotency-Key handling for REST routes (SPEC "Conventions"): same key + same body → the
 * original response; same key + different body → 422; same key while the first is in flight → 409;
 * missing → 400. The rules themselves live in idempotency-core.ts, shared with the MCP tools.
 * Keys are scoped per account and operation and kept at least 24 h.
 */
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError, appError, ErrorCode } from '../domain/errors';
import { principalOf } from './auth';
import type { Db } from '../db/pool';
import {
  hashRequest,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_RULE,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  runIdempotent,
  type StoredResult,
} from './idempotency-core';

export type HandlerResult = StoredResult;

export const requestHash = (req: Request): string =>
  hashRequest(req.method, `${req.baseUrl}${req.path}`, req.body);

/** The `Idempotency-Key` request header as documented in OpenAPI (`request.headers`). */
export const idempotencyKeyHeader = z.object({
  'idempotency-key': z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).regex(IDEMPOTENCY_KEY_PATTERN),
});

/** The Idempotency-Key header where it is optional: undefined when absent or blank; 400 when too long. */
export function optionalIdempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key')?.trim();
  if (!key) return undefined;
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppError(
      ErrorCode.Validation,
      `Idempotency-Key header is too long (max ${MAX_IDEMPOTENCY_KEY_LENGTH})`,
    );
  }
  // Node already refuses control bytes in headers; bytes above 0x7E arrive as Latin-1 text.
  if (!IDEMPOTENCY_KEY_PATTERN.test(key))
    throw new AppError(ErrorCode.Validation, `Idempotency-Key header ${IDEMPOTENCY_KEY_RULE}`);
  return key;
}

export function idempotencyKeyOf(req: Request): string {
  const key = optionalIdempotencyKeyOf(req);
  if (!key) throw appError('idempotency_key_required');
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
    const result = await runIdempotent(db, accountId, scope, key, requestHash(req), () =>
      handler(req, res, key),
    );
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  };
}
