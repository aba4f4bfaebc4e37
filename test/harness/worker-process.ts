/**
 * The production worker as a separate OS process (`tsx worker/main.ts`), for tests that kill a
 * worker mid-flight (SIGKILL = a crash; SIGTERM = graceful shutdown) and start another.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../domain/config';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker logged that it is polling. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `script` (relative to the repo root) replaces worker/main.ts, e.g. a fixture worker under test/fixtures. */
export function spawnWorkerProcess(
  config: Config,
  extraEnv: Record<string, string> = {},
  script = 'worker/main.ts',
): WorkerProcess {
  const root = path.join(__dirname, '..', '..');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...Object.fromEntries(
      Object.entries(config)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  // `node --import tsx` (not the tsx CLI, which forks a second process): the child *is* the worker,
  // so a signal sent to it reaches the worker and SIGKILL leaves no orphan behind.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
