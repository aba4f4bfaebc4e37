/**
 * `npm run bench:cluster [bench file]`: runs a bench (default bench/rentals.ts) against the stack of
 * `npm run dev:cluster` — temporal-server on Postgres, two workers, two APIs — started fresh in a
 * temp dir and stopped afterwards. The bench gets the stack's DATABASE_URL, TEMPORAL_ADDRESS and
 * namespace, so it runs its own API and worker beside the cluster's (which stay idle).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startClusterStack } from '../scripts/cluster-stack';
import { loadDevSecrets } from '../scripts/dev-secrets';

const SETTLE_MAX_MS = Number(process.env.BENCH_SETTLE_MAX_MS ?? 90_000);

/**
 * Waits (at most SETTLE_MAX_MS) until the freshly started stack is past its start-up work — the
 * server's schema checks and system workflows, two workers bundling — so the bench measures the
 * platform at rest, not its start: the 1-minute load average below the number of cores.
 */
async function settle(): Promise<void> {
  const until = Date.now() + SETTLE_MAX_MS;
  while (os.loadavg()[0] >= os.cpus().length && Date.now() < until)
    await new Promise((r) => setTimeout(r, 2_000));
  console.log(`[bench:cluster] stack settled: load ${os.loadavg()[0].toFixed(2)}`);
}

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
  // The bench's own lines, shown as they come and again after the stack's shutdown logs.
  let output = '';
  try {
    await settle();
    console.log(`[bench:cluster] temporal-server at ${stack.temporalAddress}; running ${bench}`);
    const child = spawn('npx', ['tsx', bench], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...secrets,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
      },
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    [status] = (await once(child, 'close')) as [number | null];
  } finally {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n[bench:cluster] ${bench} on the cluster:\n${output.trimEnd()}`);
  process.exit(status ?? 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
