import pino from 'pino';

/** Paths that may carry credentials anywhere in a log object; pino replaces them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  '*.mnemonic',
  '*.privateKey',
  '*.webhook_token',
];

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'agentrent'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
