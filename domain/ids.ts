import { createHash } from 'node:crypto';

/**
 * A source of random bytes, injected by the caller (node:crypto's `randomBytes` in production):
 * domain/ reads neither the clock nor randomness, so its functions stay pure and testable.
 */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A UUID (v5 layout) derived from its parts, for ids that must be the same on every retry of the
 * same request (e.g. the withdrawal created for one Idempotency-Key).
 */
export function deterministicUuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
