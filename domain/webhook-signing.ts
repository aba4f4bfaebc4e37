/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com) with the maintained
 * `standardwebhooks` library. The `webhook-id` is the delivery id, so it is stable across retries
 * and receivers can de-duplicate; the timestamp and signature are fresh per attempt.
 */
import { Webhook } from 'standardwebhooks';
import type { RandomBytes } from './ids';

export const SECRET_PREFIX = 'whsec_';

/** A new per-account signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(randomBytes: RandomBytes): string {
  return `${SECRET_PREFIX}${Buffer.from(randomBytes(32)).toString('base64')}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Headers for one attempt signed at `at` (the caller's clock: the timestamp is per attempt). */
export function signatureHeaders(
  secret: string,
  deliveryId: string,
  body: string,
  at: Date,
): SignatureHeaders {
  return {
    'webhook-id': deliveryId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(deliveryId, at, body),
  };
}
