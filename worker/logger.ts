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

/** `destination` (default stdout) lets tests read what would be logged. */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  name = 'agentrent',
  destination?: pino.DestinationStream,
): Logger {
  const options = { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
