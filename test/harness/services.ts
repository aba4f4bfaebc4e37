/**
 * The shared services of one test run, in their own process (started by global-setup with tsx):
 * a fresh embedded Postgres (migrated), a Temporal dev server (in memory) and a devchain.
 * Writes their addresses to HARNESS_STATE_FILE and stops everything on SIGTERM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../scripts/migrate';
import { startEmbeddedPostgres } from '../../scripts/postgres';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server';
import { freePort } from './free-port';
import type { HarnessState } from './state';

async function main(): Promise<void> {
  const stateFile = process.env.HARNESS_STATE_FILE;
  if (!stateFile) throw new Error('HARNESS_STATE_FILE is required');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-test-pg-'));
  fs.chmodSync(dataDir, 0o777);
  const stops: Array<() => Promise<void>> = [];

  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [postgres, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort, persistent: false }),
    startTemporalDevServer({ port: temporalPort, headless: true }),
  ]);
  stops.push(
    () => postgres.stop(),
    () => temporal.stop(),
  );
  await migrate(postgres.url);

  let tron: HarnessState['tron'];
  const devchainModule = path.join(__dirname, '..', '..', 'devchain', 'server.ts');
  if (fs.existsSync(devchainModule)) {
    const { startDevchain } = (await import(devchainModule)) as typeof import('../../devchain/server');
    const chain = await startDevchain({ port: await freePort(), host: '127.0.0.1', blockIntervalMs: 0 });
    stops.push(() => chain.stop());
    tron = { fullHost: chain.url, usdtContract: chain.usdtContract };
  }

  const state: HarnessState = { databaseUrl: postgres.url, temporalAddress: temporal.address, tron };
  fs.writeFileSync(stateFile, JSON.stringify(state));

  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // The parent (jest) dying must not leave servers behind.
  process.on('disconnect', shutdown);
}

main().catch((err: unknown) => {
  console.error('[harness] services failed to start:', err);
  process.exit(1);
});
