/**
 * The third-party clients the tests drive unmodified need tools of their own: Python with
 * `requests`, `flask` and schemathesis (test/clients/requirements*.txt) and a `jq` command.
 * `npm test` provides them itself, once, under the cache dir (~/.cache/agentrent):
 *   - a virtualenv `venv-<hash of the requirements files>` made with `python3 -m venv` and filled
 *     by pip from PyPI (a changed requirements file makes a new venv);
 *   - `jq`: the one on PATH, else a cached one, else gojq (a jq in Go) built by `go install` from
 *     the Go module proxy, else Debian's jq by apt-get when running as root.
 * After the first run everything is local: nothing here reaches the network again.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, withLock } from './temporal-servers';

export const CLIENTS_DIR = path.join(__dirname, '..', 'test', 'clients');
export const REQUIREMENTS = ['requirements.txt', 'requirements-fuzz.txt'].map((f) =>
  path.join(CLIENTS_DIR, f),
);
export const GOJQ_MODULE = 'github.com/itchyny/gojq/cmd/gojq@v0.12.17';

export interface ClientTools {
  /** The venv's interpreter. */
  python: string;
  schemathesis: string;
  /** Directories to put first on PATH: the venv's bin (python3, schemathesis) and jq's. */
  pathDirs: string[];
}

function run(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const started = Date.now();
  process.stderr.write(`[client-tools] ${label}: ${cmd} ${args.join(' ')}\n`);
  const res = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 << 20 });
  if (res.error || res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.slice(-4000);
    throw new Error(`${label} failed (${res.error?.message ?? `exit ${res.status}`}):\n${out}`);
  }
  process.stderr.write(`[client-tools] ${label}: done in ${Math.round((Date.now() - started) / 1000)}s\n`);
}

/** The venv's directory: named after the requirements' content, so an edit makes a fresh one. */
export function venvDir(): string {
  const hash = createHash('sha256');
  for (const file of REQUIREMENTS) hash.update(fs.readFileSync(file));
  return path.join(cacheDir(), `venv-${hash.digest('hex').slice(0, 12)}`);
}

export async function ensurePythonVenv(): Promise<{ python: string; binDir: string }> {
  const dir = venvDir();
  const binDir = path.join(dir, 'bin');
  const python = path.join(binDir, 'python3');
  // Written last: a venv without it was interrupted mid-install and is made again.
  const complete = path.join(dir, '.complete');
  if (fs.existsSync(complete)) return { python, binDir };
  await withLock(path.basename(dir), async () => {
    if (fs.existsSync(complete)) return;
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      run('python venv', 'python3', ['-m', 'venv', dir]);
    } catch (err) {
      // Debian's own python3 ships venv's pip bootstrap separately (python3-venv).
      if (process.getuid?.() !== 0) throw err;
      fs.rmSync(dir, { recursive: true, force: true });
      run('python3-venv (apt-get)', 'sh', [
        '-c',
        'apt-get update -qq && apt-get install -y -qq python3-venv',
      ]);
      run('python venv', 'python3', ['-m', 'venv', dir]);
    }
    run('pip install (PyPI)', python, [
      '-m',
      'pip',
      'install',
      '-q',
      '--disable-pip-version-check',
      ...REQUIREMENTS.flatMap((f) => ['-r', f]),
    ]);
    fs.writeFileSync(complete, new Date().toISOString());
  });
  return { python, binDir };
}

const works = (jq: string): boolean =>
  spawnSync(jq, ['-n', '-r', '"ok"'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim() === 'ok';

function onPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate) && works(candidate)) return candidate;
  }
  return undefined;
}

/** The directory holding a working `jq` command (see the order above). */
export async function ensureJq(pathVar = process.env.PATH ?? ''): Promise<string> {
  const found = onPath('jq', pathVar);
  if (found) return path.dirname(found);
  const dir = path.join(cacheDir(), 'bin');
  const cached = path.join(dir, 'jq');
  if (fs.existsSync(cached) && works(cached)) return dir;
  await withLock('jq', async () => {
    if (fs.existsSync(cached) && works(cached)) return;
    fs.mkdirSync(dir, { recursive: true });
    if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) {
      const gobin = path.join(cacheDir(), 'gojq');
      run('jq (gojq, Go module proxy)', 'go', ['install', GOJQ_MODULE], {
        ...process.env,
        GOBIN: gobin,
        GOFLAGS: '-buildvcs=false',
        CGO_ENABLED: '0',
      });
      fs.rmSync(cached, { force: true });
      fs.symlinkSync(path.join(gobin, 'gojq'), cached);
    } else if (process.getuid?.() === 0) {
      run('jq (apt-get)', 'sh', ['-c', 'apt-get update -qq && apt-get install -y -qq jq']);
      const system = onPath('jq', '/usr/bin:/usr/local/bin');
      if (!system) throw new Error('apt-get installed jq but no working jq is in /usr/bin');
      fs.rmSync(cached, { force: true });
      fs.symlinkSync(system, cached);
    } else {
      throw new Error('no jq: install it (apt-get install jq) or Go (to build gojq), then run again');
    }
    if (!works(cached)) throw new Error(`${cached} does not run`);
  });
  return dir;
}

export async function ensureClientTools(): Promise<ClientTools> {
  const [venv, jqDir] = await Promise.all([ensurePythonVenv(), ensureJq()]);
  return {
    python: venv.python,
    schemathesis: path.join(venv.binDir, 'schemathesis'),
    pathDirs: [venv.binDir, jqDir],
  };
}

/** The interpreter tests run the Python clients with (set by the global setup). */
export const clientPython = (): string => process.env.AGENTRENT_PYTHON ?? 'python3';
