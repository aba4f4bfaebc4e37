// Request plumbing shared by the wallet and admin routes. java-tron servlets read parameters from the
// query string (GET) or a JSON body (POST) whatever its content type, so the body is parsed here.
import type { Request } from 'express';

export type Params = Record<string, unknown>;

export class ParamError extends Error {}

export function readParams(req: Request): Params {
  const query: Params = { ...(req.query as Params) };
  const body: unknown = req.body;
  if (typeof body === 'string' && body.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ParamError('request body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ParamError('request body must be a JSON object');
    }
    return { ...query, ...(parsed as Params) };
  }
  return query;
}

export function isVisible(p: Params): boolean {
  return p.visible === true || p.visible === 'true';
}

export function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Integer parameter (number or numeric string); missing → `fallback`, as proto3 defaults do. */
export function intParam(p: Params, name: string, fallback = 0): number {
  const v = p[name];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ParamError(`invalid ${name}`);
  return n;
}

export function stringParam(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new ParamError(`invalid ${name}`);
  return v;
}
