import { createHash } from 'node:crypto';
import type { RandomBytes } from './ids';

export const API_KEY_PREFIX = 'rr_live_';

/** A new API key: shown once to its owner; only `hash` and `prefix` are stored. */
export function generateApiKey(randomBytes: RandomBytes): { key: string; hash: string; prefix: string } {
  const key = API_KEY_PREFIX + Buffer.from(randomBytes(24)).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 4) };
}

/** API keys carry 192 random bits, so a plain SHA-256 is a safe, fast lookup hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
