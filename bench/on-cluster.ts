/**
 * `npm run bench:cluster [bench file]`: runs a bench (default bench/rentals.ts) against the stack of
 * `npm run dev:cluster` — temporal-server on Postgres, two workers, two APIs — started fresh in a
 * temp dir and stopped afterwards. The bench gets the stack's DATABASE_URL, TEMPORAL_ADDRESS and
 * namespace, so it runs its own API and worker beside the cluster's (which stay idle).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startClusterStack } from '../scripts/cluster-stack';
import { loadDevSecrets } from '../scripts/dev-secrets';

async function main(): Promise<void> {
  const bench = process.argv[2] ?? 'bench/rentals.ts';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-bench-cluster-'));
  fs.chmodSync(dir, 0o777); // embedded Postgres runs as the `postgres` user
  const { secrets } = loadDevSecrets(path.join(dir, 'secrets.json'), {});
  const stack = await startClusterStack({
    dataDir: dir,
    persistent: false,
    port: await freePort(),
    postgresPort: await freePort(),
    devchainPort: await freePort(),
    metricsPorts: [0, 0],
    // info: the stack waits for each worker's "worker running" line.
    env: { ...process.env, ...secrets, NODE_ENV: 'development', LOG_LEVEL: 'info' },
  });
  let status: number | null;
  try {
    console.log(`[bench:cluster] temporal-server at ${stack.temporalAddress}; running ${bench}`);
    status = spawnSync('npx', ['tsx', bench], {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...secrets,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
      },
    }).status;
  } finally {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(status ?? 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
