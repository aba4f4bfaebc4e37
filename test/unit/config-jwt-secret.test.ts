import { ConfigError, loadConfig } from '../../worker/config';

const SECRET = 'a-jwt-secret-of-at-least-32-characters-0000';

function errorOf(env: NodeJS.ProcessEnv): unknown {
  try {
    loadConfig(env);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('JWT_SECRET', () => {
  it.each(['development', 'test', 'production'])(
    'stops config loading with an error naming JWT_SECRET when it is missing (NODE_ENV=%s)',
    (nodeEnv) => {
      const err = errorOf({ NODE_ENV: nodeEnv });
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/\bJWT_SECRET: required\b/);
    },
  );

  it('treats an empty JWT_SECRET as missing', () => {
    expect((errorOf({ JWT_SECRET: '' }) as ConfigError).message).toContain('JWT_SECRET');
  });

  it('refuses a JWT_SECRET shorter than 32 characters without echoing it', () => {
    const err = errorOf({ JWT_SECRET: 'short-secret' }) as ConfigError;
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).not.toContain('short-secret');
  });

  it('uses the JWT_SECRET it is given', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).JWT_SECRET).toBe(SECRET);
  });
});

describe('guessing limits', () => {
  it('defaults to 10 failed sign-ins per account from one IP, 100 from all, 30 per IP in 15 minutes, 30 failed rental codes, 30 failed keys and 20 failed console keys per IP', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config.RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_IP).toBe(10);
    expect(config.RATE_LIMIT_LOGIN_PER_ACCOUNT).toBe(100);
    expect(config.RATE_LIMIT_BAD_CREDENTIALS_PER_IP).toBe(30);
    expect(config.RATE_LIMIT_CONSOLE_KEY_PER_IP).toBe(20);
    expect(config.RATE_LIMIT_LOGIN_PER_IP).toBe(30);
    expect(config.RATE_LIMIT_GUESS_WINDOW_SECONDS).toBe(900);
    expect(config.RATE_LIMIT_RENTAL_CODES_PER_IP).toBe(30);
  });

  it('keeps TRUST_PROXY at 0 unless it is set', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).TRUST_PROXY).toBe(0);
  });
});
