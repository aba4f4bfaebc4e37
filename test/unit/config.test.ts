import { ConfigError, describeConfig, loadConfig } from '../../worker/config';

const SECRETS = {
  DATABASE_URL: 'postgres://app:db-password-123@db:5432/agentrent',
  ADMIN_API_KEY: 'admin-key-very-secret-0001',
  JWT_SECRET: 'jwt-secret-that-is-long-enough-000000000000',
  TRON_DEPOSIT_MNEMONIC:
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  TRON_HOT_WALLET_PRIVATE_KEY: 'ab'.repeat(32),
};

/** JWT_SECRET has no default, so every configuration that must load brings one. */
const JWT = { JWT_SECRET: SECRETS.JWT_SECRET };

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig accepted a bad configuration');
}

describe('config', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig(JWT);
    expect(config.PORT).toBe(3000);
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.TEMPORAL_TASK_QUEUE).toBe('agentrent');
    expect(config.PLATFORM_FEE_BPS).toBe(1000);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('bounds the worker workflow cache by default (docs/MEMORY.md)', () => {
    const config = loadConfig(JWT);
    expect(config.WORKER_MAX_CACHED_WORKFLOWS).toBe(1000);
    expect(config.WORKER_STICKY_QUEUE_TIMEOUT_MS).toBe(10_000);
    expect(config.WORKER_REUSE_V8_CONTEXT).toBe(true);
  });

  it('accepts a workflow cache of 0 (off) and rejects one of a single run', () => {
    expect(loadConfig({ ...JWT, WORKER_MAX_CACHED_WORKFLOWS: '0' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(0);
    expect(configErrorOf({ WORKER_MAX_CACHED_WORKFLOWS: '1' }).message).toMatch(
      /WORKER_MAX_CACHED_WORKFLOWS/,
    );
  });

  it('rejects a non-numeric PORT with a ConfigError naming PORT', () => {
    const err = configErrorOf({ PORT: 'abc' });
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/\bPORT\b/);
  });

  it('names every offending variable when several are bad', () => {
    const err = configErrorOf({ PORT: '70000', LOG_LEVEL: 'loud', ALLOW_PRIVATE_WEBHOOKS: 'yes' });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('LOG_LEVEL');
    expect(err.message).toContain('ALLOW_PRIVATE_WEBHOOKS');
  });

  it('rejects a hot wallet key that is not 64 hex characters', () => {
    expect(configErrorOf({ TRON_HOT_WALLET_PRIVATE_KEY: 'xyz' }).message).toContain(
      'TRON_HOT_WALLET_PRIVATE_KEY',
    );
  });

  it('never echoes a rejected secret value in the error message', () => {
    const err = configErrorOf({ ADMIN_API_KEY: 'short-secret' });
    expect(err.message).toContain('ADMIN_API_KEY');
    expect(err.message).not.toContain('short-secret');
  });

  it('parses boolean variables from true/false/1/0', () => {
    expect(loadConfig({ ...JWT, ALLOW_PRIVATE_WEBHOOKS: '1' }).ALLOW_PRIVATE_WEBHOOKS).toBe(true);
    expect(loadConfig({ ...JWT, ALLOW_PRIVATE_WEBHOOKS: 'false' }).ALLOW_PRIVATE_WEBHOOKS).toBe(false);
  });

  it('treats an empty variable as unset so its default applies', () => {
    const config = loadConfig({ ...JWT, PORT: '', PUBLIC_BASE_URL: '', ADMIN_API_KEY: '' });
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_BASE_URL).toBeUndefined();
    expect(config.ADMIN_API_KEY).toBeUndefined();
  });

  it('keeps every secret out of describeConfig', () => {
    const described = describeConfig(loadConfig(SECRETS));
    const text = JSON.stringify(described);
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(text).not.toContain(value);
      expect(described[name]).toBe('set');
    }
    expect(text).not.toContain('db-password-123');
    expect(described.PORT).toBe(3000);
  });

  it('refuses to run in production on the built-in JWT secret', () => {
    expect(configErrorOf({ NODE_ENV: 'production' }).message).toContain('JWT_SECRET');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRETS.JWT_SECRET }).NODE_ENV).toBe(
      'production',
    );
  });

  it('reports unset secrets as "unset"', () => {
    expect(describeConfig(loadConfig(JWT)).ADMIN_API_KEY).toBe('unset');
  });
});
