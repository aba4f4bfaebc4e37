/**
 * Issue 24 item 5: on SIGTERM the API cut every connection at once (`closeAllConnections()`), so a
 * request in flight — a credit being posted, a chat waiting for its agent — lost its answer while
 * its effect might still land. The API process now drains: it stops accepting at once, lets the
 * requests in flight finish (up to the longest request deadline), then closes and exits.
 *
 * The request kept in flight is an operator credit, which takes the account's lock in Postgres:
 * the test holds that lock, so the request waits there until the test lets it go.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { PoolClient } from 'pg';
import { createTestAccount, availableMicro } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { waitFor } from './chain';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

interface ApiProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The API as its own OS process (`api/server.ts`), where SIGTERM reaches its handler. */
async function spawnApi(): Promise<ApiProcess> {
  const root = path.join(__dirname, '..', '..');
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...Object.fromEntries(
      Object.entries(stack.config)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
    PORT: String(port),
    API_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'api/server.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('api listening on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`api exited early (${code}): ${output.slice(-2000)}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

describe('the API drains on SIGTERM', () => {
  let api: ApiProcess | undefined;
  let lockHolder: PoolClient | undefined;
  afterEach(async () => {
    await lockHolder?.query('ROLLBACK').catch(() => undefined);
    lockHolder?.release();
    lockHolder = undefined;
    if (api && api.child.exitCode === null && api.child.signalCode === null) api.child.kill('SIGKILL');
    await api?.exited;
    api = undefined;
  });

  it('answers a request in flight at SIGTERM, refuses new connections, then exits 0', async () => {
    api = await spawnApi();
    const account = await createTestAccount(stack.db);
    // Hold the account's lock: the credit below waits for it inside its transaction.
    lockHolder = await stack.db.connect();
    await lockHolder.query('BEGIN');
    await lockHolder.query('SELECT lock_account($1)', [account.id]);

    const inFlight = fetch(`${api.url}/api/v1/admin/adjustments`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-API-Key': TEST_ADMIN_KEY,
        'Idempotency-Key': randomUUID(),
      },
      body: JSON.stringify({ account_id: account.id, amount: 7, reason: 'in flight at SIGTERM' }),
    });
    const waiting = async () =>
      (
        await stack.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        )
      ).rows[0].n > 0;
    await waitFor(waiting, 15_000, 'the credit waiting for the account lock');

    api.child.kill('SIGTERM');
    // New connections are refused at once, while the request in flight is still being served.
    const refused = () =>
      fetch(`${api!.url}/health`).then(
        () => false,
        () => true,
      );
    await waitFor(refused, 10_000, 'new connections refused');

    await lockHolder.query('COMMIT');
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ account_id: account.id, amount: 7 });
    expect(await availableMicro(stack.db, account.id)).toBe(7_000_000);
    expect(await api.exited).toBe(0);
  });
});
