/**
 * Production settings: secrets from files (`X_FILE`), deposit addresses from an xpub (the API never
 * holds the mnemonic), and the Temporal connection's mTLS / API-key options.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, envSetting, loadConfig } from '../../worker/config';
import { temporalConnectionOptions } from '../../worker/temporal-connection';
import {
  depositAddressDeriver,
  deriveDepositAddress,
  deriveDepositAddressFromXpub,
  depositXpubOfMnemonic,
} from '../../services/tron-address';

const MNEMONIC = 'test test test test test test test test test test test junk';
const JWT = 'j'.repeat(40);
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-files-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};

describe('X_FILE settings', () => {
  it('reads a setting from the file X_FILE names, without its trailing newline', () => {
    const config = loadConfig({
      JWT_SECRET_FILE: file('jwt', `${JWT}\n`),
      ADMIN_API_KEY_FILE: file('adm', 'rr_admin_0123456789abcdef'),
    });
    expect(config.JWT_SECRET).toBe(JWT);
    expect(config.ADMIN_API_KEY).toBe('rr_admin_0123456789abcdef');
  });

  it('refuses X and X_FILE together', () => {
    expect(() => loadConfig({ JWT_SECRET: JWT, JWT_SECRET_FILE: file('jwt2', JWT) })).toThrow(
      /JWT_SECRET: set either JWT_SECRET or JWT_SECRET_FILE, not both/,
    );
  });

  it('names an unreadable file as a configuration error', () => {
    expect(() => loadConfig({ JWT_SECRET_FILE: path.join(dir, 'missing') })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET_FILE: path.join(dir, 'missing') })).toThrow(
      /JWT_SECRET_FILE: cannot read/,
    );
  });

  it('gives tools a single setting the same way (migrate reads DATABASE_URL_FILE)', () => {
    expect(envSetting('DATABASE_URL', { DATABASE_URL_FILE: file('db', 'postgres://x@h/db\n') })).toBe(
      'postgres://x@h/db',
    );
    expect(envSetting('DATABASE_URL', { DATABASE_URL: 'postgres://y@h/db' })).toBe('postgres://y@h/db');
  });
});

describe('deposit addresses from an xpub', () => {
  const xpub = depositXpubOfMnemonic(MNEMONIC);

  it("derives the same m/44'/195'/0'/0/<index> addresses as the mnemonic", () => {
    for (const index of [0, 1, 7, 1000]) {
      expect(deriveDepositAddressFromXpub(xpub, index)).toBe(deriveDepositAddress(MNEMONIC, index));
    }
  });

  it('prefers the xpub when both are configured, and needs no mnemonic', () => {
    const derive = depositAddressDeriver({ TRON_DEPOSIT_XPUB: xpub })!;
    expect(derive(3)).toBe(deriveDepositAddress(MNEMONIC, 3));
    expect(depositAddressDeriver({})).toBeUndefined();
  });

  it('accepts an xpub as configuration and refuses something else', () => {
    expect(loadConfig({ JWT_SECRET: JWT, TRON_DEPOSIT_XPUB: xpub }).TRON_DEPOSIT_XPUB).toBe(xpub);
    expect(() => loadConfig({ JWT_SECRET: JWT, TRON_DEPOSIT_XPUB: MNEMONIC })).toThrow(/TRON_DEPOSIT_XPUB/);
  });
});

describe('Temporal connection options', () => {
  const base = { JWT_SECRET: JWT, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' };

  it('connects in plain gRPC when nothing is set (private network)', () => {
    expect(temporalConnectionOptions(loadConfig(base))).toEqual({ address: 'ns.acct.tmprl.cloud:7233' });
  });

  it('uses the mTLS client pair from files', () => {
    const options = temporalConnectionOptions(
      loadConfig({
        ...base,
        TEMPORAL_TLS_CERT_FILE: file('crt', 'CERT\n'),
        TEMPORAL_TLS_KEY_FILE: file('key', 'KEY\n'),
      }),
    );
    expect(options.tls).toEqual({ clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it('sends an API key over TLS', () => {
    expect(temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_API_KEY: 'k' }))).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'k',
      tls: true,
    });
  });

  it('refuses a certificate without its key', () => {
    expect(() => temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_TLS_CERT: 'CERT' }))).toThrow(
      /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together/,
    );
  });
});
