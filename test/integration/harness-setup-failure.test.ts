/**
 * Issue 16 item 6: a test run whose set-up fails part-way, or is interrupted while starting, stops
 * whatever it had already started (Postgres, the Temporal dev server): nothing is left running.
 * Every process the set-up starts inherits a marker variable; afterwards none may carry it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import globalSetup, { spawnServices } from '../harness/global-setup';

const MARKER = 'AGENTRENT_SETUP_TEST_MARKER';

/** Pids of live processes whose environment carries MARKER=value. */
function processesMarked(value: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`${MARKER}=${value}`)) found.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

async function listeningBlocker(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a test set-up that fails part-way', () => {
  it('stops Postgres and the Temporal dev server when the devchain cannot start', async () => {
    const marker = randomUUID();
    const blocker = await listeningBlocker();
    const saved = { ...process.env };
    try {
      process.env[MARKER] = marker;
      process.env.HARNESS_DEVCHAIN_PORT = String(blocker.port); // taken: the devchain's listen fails
      await expect(globalSetup()).rejects.toThrow(/test services exited with 1/);
    } finally {
      process.env = saved;
      await blocker.close();
    }
    expect(processesMarked(marker).map(commandLine)).toEqual([]);
  }, 180_000);

  it('stops what it had started when interrupted with SIGTERM while starting', async () => {
    const marker = randomUUID();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-setup-term-'));
    const services = spawnServices({
      ...process.env,
      [MARKER]: marker,
      HARNESS_STATE_FILE: path.join(dir, 'state.json'),
    });
    const exited = new Promise<number | null>((resolve) => services.once('exit', (code) => resolve(code)));
    try {
      // Wait until one of its servers (Postgres or the Temporal dev server) is running.
      const deadline = Date.now() + 120_000;
      const servers = () =>
        processesMarked(marker).filter((pid) =>
          /\/bin\/postgres -D|temporal server start-dev/.test(commandLine(pid)),
        );
      while (servers().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(servers().length).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
      services.kill('SIGTERM');
      await exited;
      expect(processesMarked(marker).map(commandLine)).toEqual([]);
    } finally {
      if (services.exitCode === null) services.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
