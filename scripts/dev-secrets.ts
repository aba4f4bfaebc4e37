/**
 * Stable development secrets: generated once into .data/dev-secrets.json so that a second
 * `npm run dev` keeps the same admin key, deposit addresses and hot wallet (the data in Postgres
 * refers to them). Values already in the environment always win and are never written.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TronWeb } from 'tronweb';

export const DEV_SECRET_KEYS = [
  'ADMIN_API_KEY',
  'JWT_SECRET',
  'TRON_DEPOSIT_MNEMONIC',
  'TRON_HOT_WALLET_PRIVATE_KEY',
] as const;
export type DevSecrets = Record<(typeof DEV_SECRET_KEYS)[number], string>;

function generate(): DevSecrets {
  const phrase = TronWeb.createRandom().mnemonic?.phrase;
  if (!phrase) throw new Error('tronweb did not return a mnemonic');
  return {
    ADMIN_API_KEY: `rr_admin_${randomBytes(24).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    TRON_DEPOSIT_MNEMONIC: phrase,
    TRON_HOT_WALLET_PRIVATE_KEY: randomBytes(32).toString('hex'),
  };
}

/** Reads (or creates) the secrets file; returns the merged values and whether it was created. */
export function loadDevSecrets(
  file: string,
  env: NodeJS.ProcessEnv,
): { secrets: DevSecrets; created: boolean } {
  let stored: Partial<DevSecrets> = {};
  let created = false;
  if (fs.existsSync(file)) {
    stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  }
  const fresh = generate();
  const missing = DEV_SECRET_KEYS.filter((k) => !stored[k]);
  if (missing.length > 0) {
    for (const k of missing) stored[k] = fresh[k];
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    created = true;
  }
  const secrets = Object.fromEntries(
    DEV_SECRET_KEYS.map((k) => [k, env[k] || (stored[k] as string)]),
  ) as DevSecrets;
  return { secrets, created };
}

/** The base58 address of the hot wallet key, to fund it on the devchain. */
export const hotWalletAddress = (privateKey: string): string => {
  const address = TronWeb.address.fromPrivateKey(privateKey);
  if (!address) throw new Error('TRON_HOT_WALLET_PRIVATE_KEY is not a valid private key');
  return address;
};
