/** Applies db/migrations (node-pg-migrate, SQL files) to DATABASE_URL. `npm run migrate`. */
import path from 'node:path';
import { envSetting } from '../worker/config';

export const MIGRATIONS_DIR = path.join(__dirname, '..', 'db', 'migrations');

export async function migrate(
  databaseUrl: string,
  log: (msg: string) => void = () => undefined,
): Promise<void> {
  // node-pg-migrate is ESM-only: a dynamic import keeps the compiled (CommonJS) image able to load it.
  const { runner } = await import('node-pg-migrate');
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    log,
    noLock: false,
    singleTransaction: true,
  });
}

if (require.main === module) {
  const url = envSetting('DATABASE_URL');
  if (!url) {
    console.error(
      'DATABASE_URL is required (npm run dev starts an embedded Postgres and migrates it for you).',
    );
    process.exit(1);
  }
  migrate(url, (m) => console.log(m))
    .then(() => console.log('migrations applied'))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
