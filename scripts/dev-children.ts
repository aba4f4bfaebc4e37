/**
 * Child processes of `npm run dev`: each line they print gets a `[name]` prefix, and each can be
 * stopped with SIGTERM (SIGKILL after a grace period). Children run in their own process group
 * so that a Ctrl-C reaches only the dev script, which then stops them in dependency order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';

const COLORS: Record<string, number> = {
  postgres: 34,
  temporal: 35,
  devchain: 33,
  worker: 36,
  api: 32,
  dev: 1,
};

export function prefix(name: string): string {
  const label = `[${name}]`.padEnd(11);
  const color = COLORS[name];
  return process.stdout.isTTY && color ? `\x1b[${color}m${label}\x1b[0m` : label;
}

export function log(name: string, message: string): void {
  for (const line of message.split('\n')) process.stdout.write(`${prefix(name)} ${line}\n`);
}

/** Copies a stream to stdout line by line with the child's prefix; `onLine` sees every line. */
export function pipeWithPrefix(name: string, stream: Readable | null, onLine?: (line: string) => void): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on('line', (line) => {
    process.stdout.write(`${prefix(name)} ${line}\n`);
    onLine?.(line);
  });
}

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit description once the process is gone. */
  exited: Promise<string>;
  /** Fires on every output line (for readiness checks). */
  onLine(listener: (line: string) => void): void;
  stop(graceMs?: number): Promise<void>;
}

const ROOT = path.join(__dirname, '..');

/** Runs `<script>` with node and the tsx loader (one process per child, signals go straight to it). */
export function spawnTsChild(name: string, script: string, env: NodeJS.ProcessEnv): ManagedChild {
  const guard = path.join(__dirname, 'dev-parent-guard.cjs');
  return spawnManaged(
    name,
    process.execPath,
    ['--require', guard, '--import', 'tsx', path.join(ROOT, script)],
    env,
  );
}

/** Runs a node program as a child of the dev scripts: own process group, prefixed output, IPC for the guard. */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ManagedChild {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Only the guard in the child uses the channel; it must not keep this process alive either.
  child.channel?.unref();
  const listeners: Array<(line: string) => void> = [];
  const onLine = (line: string) => listeners.forEach((l) => l(line));
  pipeWithPrefix(name, child.stdout, onLine);
  pipeWithPrefix(name, child.stderr, onLine);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (err) => resolve(`failed to start: ${err.message}`));
  });
  return {
    name,
    process: child,
    exited,
    onLine: (listener) => listeners.push(listener),
    stop: async (graceMs = 35_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The worker's SDK lets in-flight activities finish (shutdownGraceTime 30 s) before exiting.
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves at the first line containing any of `texts`; rejects if the child exits first. */
export function waitForLine(child: ManagedChild, ...texts: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.onLine((line) => {
      if (texts.some((text) => line.includes(text))) resolve();
    });
    void child.exited.then((how) => reject(new Error(`${child.name} exited before it was ready (${how})`)));
  });
}

/** Resolves when `check` returns true; rejects after `timeoutMs` or when `abort` settles first. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  abort: Promise<string>,
  timeoutMs = 120_000,
): Promise<void> {
  let aborted: string | undefined;
  void abort.then((reason) => {
    aborted = reason;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (aborted) throw new Error(`${what} exited before it was ready (${aborted})`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
