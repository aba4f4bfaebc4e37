/**
 * Keeps one process of `npm run dev:cluster` running, as a process supervisor would: when it
 * exits on its own it is started again (and the log says so), while the rest of the cluster keeps
 * serving. A process that dies again soon after coming back waits longer each time (1 s doubling
 * to 30 s), so a crash loop shows in the log without spinning the machine. `stop()` ends it for
 * good, including a restart that is waiting or still starting.
 */
import type { ManagedChild } from './dev-children';

export interface Restart {
  name: string;
  /** How the previous process ended (`signal SIGKILL`, `exit code 1`). */
  how: string;
  previousPid?: number;
  pid?: number;
  /** 1 for the first restart of this name. */
  count: number;
}

export interface Supervised {
  name: string;
  /** The process running now (the last one started). */
  current(): ManagedChild;
  /** Resolves once the first process is ready; rejects if it exits first. */
  ready: Promise<void>;
  /** Resolves with the next restart once its process is ready. */
  nextRestart(): Promise<Restart>;
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  /** Starts one process (called again for each restart). */
  spawn: () => ManagedChild;
  /** Resolves when the process serves; rejects when it exits before. */
  whenReady: (child: ManagedChild) => Promise<void>;
  log: (message: string) => void;
  /** Stops one process (e.g. with the grace its role needs). */
  stopChild?: (child: ManagedChild) => Promise<void>;
  /** A process that was up at least this long restarts at once, otherwise after a growing delay. */
  stableMs?: number;
  maxDelayMs?: number;
}

export function supervise(opts: SuperviseOptions): Supervised {
  const stableMs = opts.stableMs ?? 30_000;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  const stopChild = opts.stopChild ?? ((c: ManagedChild) => c.stop());
  let child = opts.spawn();
  let stopped = false;
  let count = 0;
  let delayMs = 0;
  let upSince = Date.now();
  let wake: (() => void) | undefined;
  let waiters: Array<(r: Restart) => void> = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Watches `watched` and replaces it whenever it exits, until stop(). */
  const keepRunning = async (watched: ManagedChild): Promise<void> => {
    let how = await watched.exited;
    for (;;) {
      if (stopped) return;
      count++;
      delayMs = Date.now() - upSince >= stableMs ? 0 : Math.min(maxDelayMs, Math.max(1_000, delayMs * 2));
      opts.log(
        `${opts.name} stopped unexpectedly (${how}) — restarting it` +
          (delayMs ? ` in ${delayMs / 1000} s` : '') +
          ` (restart ${count}); the rest of the cluster keeps serving`,
      );
      if (delayMs) await sleep(delayMs);
      if (stopped) return;
      const previousPid = watched.process.pid;
      child = opts.spawn();
      watched = child;
      try {
        await opts.whenReady(child);
      } catch {
        how = await child.exited;
        continue;
      }
      if (stopped) return;
      upSince = Date.now();
      const restart: Restart = { name: opts.name, how, previousPid, pid: child.process.pid, count };
      opts.log(`${opts.name} is back (pid ${restart.pid}, restart ${count})`);
      const notify = waiters;
      waiters = [];
      for (const w of notify) w(restart);
      how = await child.exited;
    }
  };

  const first = child;
  const ready = opts.whenReady(first).then(() => {
    upSince = Date.now();
    void keepRunning(first);
  });
  // A first start that fails is the caller's error (ready rejects); nothing restarts it.
  ready.catch(() => undefined);

  return {
    name: opts.name,
    current: () => child,
    ready,
    nextRestart: () => new Promise<Restart>((resolve) => waiters.push(resolve)),
    stop: async () => {
      stopped = true;
      wake?.();
      await stopChild(child);
    },
  };
}
