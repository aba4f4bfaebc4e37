/**
 * Idempotency keys for MCP tools. REST takes the key in the `Idempotency-Key` header; a tool takes
 * it as the `idempotency_key` argument. Both go through runIdempotent with the REST route's scope
 * and the hash of the equivalent REST request, so retries replay one result on either transport.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  hashRequest,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_RULE,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  runIdempotent,
} from '../idempotency-core';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';

export const idempotencyKeyArg = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
  .regex(IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_RULE);

/** Where the REST API would have taken this request: scope of its `idempotent()` and the request. */
export interface RestEquivalent {
  scope: string;
  method: 'POST';
  path: string;
  /** The status the REST route answers with; stored so a REST replay of this key looks the same. */
  status: number;
  /** The JSON body the REST route would get (tool arguments minus path parts and the key). */
  body: unknown;
}

/** The tool arguments a REST client would have sent as the body, as sent (REST hashes the raw body). */
export function restBodyOf(args: Record<string, unknown>, ...notInBody: string[]): Record<string, unknown> {
  const drop = new Set(['idempotency_key', ...notInBody]);
  return Object.fromEntries(Object.entries(args).filter(([k]) => !drop.has(k)));
}

/**
 * Runs `fn` once per key and returns its (possibly replayed) result. Without a key the call is a
 * fresh attempt each time (`fn` gets a random key), like a request nobody intends to retry.
 */
export async function idempotentToolCall<T>(
  deps: ApiDeps,
  principal: Principal,
  key: string | undefined,
  rest: RestEquivalent,
  fn: (key: string) => Promise<T>,
): Promise<{ body: T; replayed: boolean }> {
  if (key === undefined) return { body: await fn(`mcp-${randomUUID()}`), replayed: false };
  const result = await runIdempotent(
    deps.db,
    principal.accountId,
    rest.scope,
    key,
    hashRequest(rest.method, rest.path, rest.body),
    async () => ({ status: rest.status, body: await fn(key) }),
  );
  // The stored body is what fn returned (as JSON) the first time.
  return { body: result.body as T, replayed: result.replayed };
}
