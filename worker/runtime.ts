/**
 * The Temporal SDK's Runtime, installed once per process with our pino logger: the SDK's own
 * messages, Core's (Rust) messages (forwarded) and every activity's and workflow's `log` come out
 * as the same JSON lines as the rest of the worker. Optionally Core's Prometheus exporter.
 */
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from './logger';

type PinoMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const PINO_METHOD: Record<LogLevel, PinoMethod> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** pino level → the SDK's: Core is asked for nothing pino would drop anyway. */
export function sdkLevelOf(pinoLevel: string): LogLevel {
  switch (pinoLevel) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      // error, fatal, silent: Core still hands over errors (pino drops them when silent).
      return 'ERROR';
  }
}

/**
 * The SDK's Logger interface onto pino. The SDK's meta (sdkComponent, workflowId, activityType, …)
 * becomes fields of the JSON line; symbol keys (internal timestamps) are left out.
 */
export function sdkLoggerOf(logger: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields: Record<string, unknown> = {};
    if (meta) for (const key of Object.keys(meta)) fields[key] = meta[key];
    logger[PINO_METHOD[level] ?? 'info'](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

let installed = false;

/**
 * Installs the Runtime with `logger` unless this process already has one; must run before the
 * first NativeConnection or Worker (either would create a default Runtime). Returns whether it
 * installed. `prometheusPort` > 0 also starts Core's Prometheus exporter (SDK metrics).
 */
export function installWorkerRuntime(logger: Logger, opts: { prometheusPort?: number } = {}): boolean {
  if (installed || Runtime._instance) return false;
  const level = sdkLevelOf(logger.level);
  Runtime.install({
    logger: sdkLoggerOf(logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
      ...(opts.prometheusPort
        ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${opts.prometheusPort}` } } }
        : {}),
    },
  });
  installed = true;
  return true;
}
