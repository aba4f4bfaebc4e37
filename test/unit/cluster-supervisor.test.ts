/**
 * The supervisor of `npm run dev:cluster` (scripts/cluster-supervisor.ts), on real child
 * processes: a process that dies is replaced and the log says so; stop() ends it for good.
 */
import { spawnManaged, waitForLine, type ManagedChild } from '../../scripts/dev-children';
import { supervise } from '../../scripts/cluster-supervisor';

/** A node process that prints "ready" and then idles until killed. */
const idler = (): ManagedChild =>
  spawnManaged('idler', process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'], {
    PATH: process.env.PATH,
  });

const alive = (pid: number | undefined): boolean => {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
};

jest.spyOn(process.stdout, 'write').mockImplementation(() => true); // the children's prefixed lines

describe('cluster supervisor', () => {
  it('replaces a process that was SIGKILLed and says so in the log', async () => {
    const logged: string[] = [];
    const s = supervise({
      name: 'worker-1',
      spawn: idler,
      whenReady: (child) => waitForLine(child, 'ready'),
      log: (m) => logged.push(m),
    });
    try {
      await s.ready;
      const first = s.current();
      const next = s.nextRestart();
      first.process.kill('SIGKILL');
      const restart = await next;
      expect(restart).toMatchObject({ name: 'worker-1', how: 'signal SIGKILL', count: 1 });
      expect(restart.previousPid).toBe(first.process.pid);
      expect(restart.pid).toBe(s.current().process.pid);
      expect(alive(restart.pid)).toBe(true);
      expect(logged[0]).toMatch(/^worker-1 stopped unexpectedly \(signal SIGKILL\) — restarting it/);
      expect(logged[1]).toBe(`worker-1 is back (pid ${restart.pid}, restart 1)`);
    } finally {
      await s.stop();
    }
  });

  it('waits longer before each restart of a process that keeps dying soon after it came back', async () => {
    const logged: string[] = [];
    const s = supervise({
      name: 'api-2',
      spawn: idler,
      whenReady: (child) => waitForLine(child, 'ready'),
      log: (m) => logged.push(m),
      stableMs: 60_000,
    });
    try {
      await s.ready;
      for (let i = 0; i < 2; i++) {
        const next = s.nextRestart();
        s.current().process.kill('SIGKILL');
        await next;
      }
      const delays = logged.filter((m) => m.includes('restarting it')).map((m) => m.match(/in (\d+) s/)?.[1]);
      expect(delays).toEqual(['1', '2']);
    } finally {
      await s.stop();
    }
  });

  it('stops the running process on stop() and starts no other', async () => {
    const logged: string[] = [];
    const s = supervise({
      name: 'worker-2',
      spawn: idler,
      whenReady: (child) => waitForLine(child, 'ready'),
      log: (m) => logged.push(m),
    });
    await s.ready;
    const child = s.current();
    await s.stop();
    expect(alive(child.process.pid)).toBe(false);
    expect(await child.exited).toBe('signal SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.current()).toBe(child);
    expect(logged).toEqual([]);
  });
});
