/**
 * Postgres and the Temporal dev server are plain binaries that cannot watch for their parent, so a
 * `npm run dev` killed with -9 leaves them running. Their pids are kept in .data/dev-pids.json and
 * the next start stops them first — only if the pid still runs something under .data (pids get reused).
 */
import fs from 'node:fs';

type Pids = Record<string, number>;

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function rememberPid(file: string, name: string, pid: number | undefined): void {
  if (!pid) return;
  const pids: Pids = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Pids) : {};
  pids[name] = pid;
  fs.writeFileSync(file, JSON.stringify(pids));
}

export function forgetPids(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Stops what a previous, killed run left behind; returns the names it stopped. */
export async function stopStale(file: string, dataDir: string): Promise<string[]> {
  if (!fs.existsSync(file)) return [];
  const pids = JSON.parse(fs.readFileSync(file, 'utf8')) as Pids;
  const stopped: string[] = [];
  for (const [name, pid] of Object.entries(pids)) {
    if (!commandLine(pid).includes(dataDir)) continue;
    // SIGINT is Postgres' "fast shutdown"; the Temporal CLI treats it like SIGTERM.
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped.push(name);
  }
  forgetPids(file);
  return stopped;
}
