/**
 * The shared services of one test run, in their own process (started by global-setup with tsx):
 * a fresh embedded Postgres (migrated), a Temporal dev server (in memory) and a devchain.
 * Writes their addresses to HARNESS_STATE_FILE and stops everything on SIGTERM/SIGINT or when
 * jest goes away. Each service is registered the moment it is up, so a step failing later (or a
 * signal during start-up) stops whatever had already started.
 * HARNESS_DEVCHAIN_PORT fixes the devchain's port (tests of a failing start-up use a taken one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../scripts/migrate';
import { startEmbeddedPostgres } from '../../scripts/postgres';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server';
import { freePort } from './free-port';
import type { HarnessState } from './state';

const stops: Array<() => Promise<void>> = [];
/** Services still starting: a shutdown waits for them (each stops itself once up, see started()). */
const pending = new Set<Promise<unknown>>();
let dataDir: string | undefined;
let stopping: Promise<never> | undefined;

function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    await Promise.allSettled([...pending]);
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}

/**
 * Registers a service once it is up; one that comes up after a shutdown began is stopped at once.
 * The shutdown waits for this whole step (not just the start), so nothing starts unregistered.
 */
function started<T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> {
  const registered = (async () => {
    const service = await starting;
    if (stopping) {
      await service.stop().catch(() => undefined);
      throw new Error('shutting down');
    }
    stops.push(() => service.stop());
    return service;
  })();
  pending.add(registered);
  void registered.then(
    () => pending.delete(registered),
    () => pending.delete(registered),
  );
  return registered;
}

async function main(): Promise<void> {
  const stateFile = process.env.HARNESS_STATE_FILE;
  if (!stateFile) throw new Error('HARNESS_STATE_FILE is required');
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  // The parent (jest) dying must not leave servers behind.
  process.on('disconnect', () => void shutdown(0));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-test-pg-'));
  fs.chmodSync(dataDir, 0o777);

  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  // allSettled: when one fails, the other is still registered (and so stopped) once it is up.
  const [pgResult, temporalResult] = await Promise.allSettled([
    started(startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort, persistent: false })),
    started(startTemporalDevServer({ port: temporalPort, headless: true })),
  ]);
  if (pgResult.status === 'rejected') throw pgResult.reason;
  if (temporalResult.status === 'rejected') throw temporalResult.reason;
  const [postgres, temporal] = [pgResult.value, temporalResult.value];
  await migrate(postgres.url);

  let tron: HarnessState['tron'];
  const devchainModule = path.join(__dirname, '..', '..', 'devchain', 'server.ts');
  if (fs.existsSync(devchainModule)) {
    const { startDevchain } = (await import(devchainModule)) as typeof import('../../devchain/server');
    const port = Number(process.env.HARNESS_DEVCHAIN_PORT) || (await freePort());
    const chain = await started(startDevchain({ port, host: '127.0.0.1', blockIntervalMs: 0 }));
    tron = { fullHost: chain.url, usdtContract: chain.usdtContract };
  }

  const state: HarnessState = { databaseUrl: postgres.url, temporalAddress: temporal.address, tron };
  fs.writeFileSync(stateFile, JSON.stringify(state));
}

main().catch((err: unknown) => {
  if (stopping) return;
  console.error('[harness] services failed to start:', err);
  void shutdown(1);
});
