/**
 * What every bench shares: the services it runs against (the ones in the environment, else an
 * embedded Postgres and a Temporal dev server of its own), teardown, timing loops and statistics.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../scripts/migrate';
import { startEmbeddedPostgres } from '../scripts/postgres';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import { freePort } from '../test/harness/free-port';

export { freePort };

/** Teardown steps, run last-in first-out by `runStops`. */
export type Stops = Array<() => Promise<void>>;

/** Runs every stop in reverse order; a failing one does not keep the others from running. */
export async function runStops(stops: Stops): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

/**
 * DATABASE_URL / TEMPORAL_ADDRESS from the environment; each one missing is started here (an
 * embedded, migrated Postgres in a temp dir; a headless Temporal dev server) and stopped by `stops`.
 */
export async function startServices(stops: Stops): Promise<{ databaseUrl: string; temporalAddress: string }> {
  let databaseUrl = process.env.DATABASE_URL;
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!databaseUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-bench-pg-'));
    fs.chmodSync(dataDir, 0o777);
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pg'),
      port: await freePort(),
      persistent: false,
    });
    stops.push(async () => {
      await pg.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    databaseUrl = pg.url;
    await migrate(databaseUrl);
  }
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({ port: await freePort(), headless: true });
    stops.push(() => temporal.stop());
    temporalAddress = temporal.address;
  }
  return { databaseUrl, temporalAddress };
}

/** Runs `op` from `clients` concurrent loops for `seconds`; returns completed operations and elapsed seconds. */
export async function measure(
  op: () => Promise<void>,
  clients: number,
  seconds: number,
): Promise<{ done: number; elapsed: number }> {
  let done = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        await op();
        done++;
      }
    }),
  );
  return { done, elapsed: (Date.now() - started) / 1000 };
}

/** The p-th percentile (0–100) of an ascending list. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `MET` / `NOT MET`, as every bench reports a goal. */
export const verdict = (met: boolean): string => (met ? 'MET' : 'NOT MET');

const silent = () => undefined;
/** A logger for `bundleWorkflowCode` that shows only errors. */
export const quietBundlerLogger = {
  trace: silent,
  debug: silent,
  info: silent,
  warn: silent,
  log: silent,
  error: console.error,
};

/** The stand-in proxy agent of the benches: answers every relay (`/hooks/agent`) at once. */
export async function startAgent(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"message":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
