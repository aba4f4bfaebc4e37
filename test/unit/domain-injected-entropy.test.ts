// domain/ reads neither the clock nor randomness: the caller injects them, so the same inputs
// give the same id, key, secret and signature.
import { generateApiKey, hashApiKey, API_KEY_PREFIX } from '../../domain/api-keys';
import type { RandomBytes } from '../../domain/ids';
import { timeOrderedUuid } from '../../domain/ledger';
import { generateSigningSecret, SECRET_PREFIX, signatureHeaders } from '../../domain/webhook-signing';

/** Deterministic "random" bytes: 0, 1, 2, … */
const counting: RandomBytes = (size) => Uint8Array.from({ length: size }, (_, i) => i);

test('a journal id starts with the injected time and is a version-7 UUID of the injected bytes', () => {
  // 2026-12-06T00:00:00Z = 1796515200000 ms = 0x01a248a67c00; bytes 6 and 8 carry version and variant.
  expect(timeOrderedUuid(Date.UTC(2026, 11, 6), counting)).toBe('01a248a6-7c00-7607-8809-0a0b0c0d0e0f');
});

test('a journal id leaves the caller’s bytes untouched', () => {
  const bytes = new Uint8Array(16).fill(0xff);
  timeOrderedUuid(0, () => bytes);
  expect([...bytes]).toEqual(new Array(16).fill(0xff));
});

test('an API key is the prefix and the injected bytes; its hash is the lookup hash', () => {
  const key = generateApiKey(counting);
  expect(key.key).toBe(API_KEY_PREFIX + Buffer.from(counting(24)).toString('base64url'));
  expect(key.hash).toBe(hashApiKey(key.key));
  expect(key.prefix).toBe(key.key.slice(0, API_KEY_PREFIX.length + 4));
});

test('a signing secret is whsec_ and the injected 32 bytes in base64', () => {
  expect(generateSigningSecret(counting)).toBe(SECRET_PREFIX + Buffer.from(counting(32)).toString('base64'));
});

test('a signature carries the injected time as its timestamp', () => {
  const at = new Date(Date.UTC(2026, 11, 6, 19, 30));
  const headers = signatureHeaders(generateSigningSecret(counting), 'delivery-1', '{}', at);
  expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
  expect(signatureHeaders(generateSigningSecret(counting), 'delivery-1', '{}', at)).toEqual(headers);
});
