/**
 * Loading the configuration from the process: the environment plus the files `X_FILE` settings
 * name. The rules (schema, `X_FILE`, secrets) are pure and live in domain/config.ts.
 */
import fs from 'node:fs';
import { type Config, envSettingOf, parseConfig } from '../domain/config';

export * from '../domain/config';

const readUtf8 = (path: string) => fs.readFileSync(path, 'utf8');

/** One setting straight from the environment (X, or the file X_FILE names), for tools without a full config. */
export function envSetting(key: keyof Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return envSettingOf(key, env, readUtf8);
}

/** Parses the environment; a bad value throws a ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(env, readUtf8);
}
