/**
 * The JSON-RPC body of a request whatever its Content-Type. The seed's curl examples use bare
 * `-d`, which sends `application/x-www-form-urlencoded`: app-wide `express.json()` skips those, so
 * the raw text is read here and parsed as JSON. Bodies `express.json()` already parsed pass through.
 */
import express, { type RequestHandler, type Request, type Response } from 'express';
import { jsonDepthExceeds } from '../validation';

/** Reads any not-yet-consumed body as text (a no-op when express.json() already read it). */
export const anyBodyAsText = (limit: string): RequestHandler => express.text({ type: () => true, limit });

export type JsonBody = { ok: true; value: unknown } | { ok: false };

export function jsonBodyOf(req: Request): JsonBody {
  const body: unknown = req.body;
  if (typeof body !== 'string') return body === undefined ? { ok: false } : { ok: true, value: body };
  try {
    const value: unknown = JSON.parse(body);
    // Like app-wide JSON bodies (refuseDeepJson): hostile nesting never reaches the SDK.
    return jsonDepthExceeds(value) ? { ok: false } : { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** JSON-RPC 2.0 "Parse error" (-32700), the answer the SDK's own transport gives to unreadable JSON. */
export function sendParseError(res: Response): void {
  res
    .status(400)
    .json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
}
