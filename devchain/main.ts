// Entry point: `npm run devchain`. Env: DEVCHAIN_PORT (9090), DEVCHAIN_HOST (127.0.0.1),
// DEVCHAIN_BLOCK_INTERVAL_MS (3000, 0 = manual mining), DEVCHAIN_SOLIDITY_LAG (19), DEVCHAIN_SEED.
import { startDevchain } from './server';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const chain = await startDevchain({
    port: intEnv('DEVCHAIN_PORT', 9090),
    host: process.env.DEVCHAIN_HOST || '127.0.0.1',
    blockIntervalMs: intEnv('DEVCHAIN_BLOCK_INTERVAL_MS', 3000),
    solidityLag: intEnv('DEVCHAIN_SOLIDITY_LAG', 19),
    seed: process.env.DEVCHAIN_SEED || undefined,
  });
  console.log(`devchain listening on ${chain.url} (USDT ${chain.usdtContract})`);
  const shutdown = (signal: string) => {
    console.log(`devchain: ${signal}, stopping`);
    chain.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('devchain: stop failed', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('devchain failed to start:', err);
  process.exit(1);
});
