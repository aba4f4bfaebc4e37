/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com) with the maintained
 * `standardwebhooks` library. The `webhook-id` is the delivery id, so it is stable across retries
 * and receivers can de-duplicate; the timestamp and signature are fresh per attempt.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';

/** A new per-account signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signatureHeaders(
  secret: string,
  deliveryId: string,
  body: string,
  at = new Date(),
): SignatureHeaders {
  return {
    'webhook-id': deliveryId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(deliveryId, at, body),
  };
}
