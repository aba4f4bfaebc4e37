/**
 * Which secrets each process of a cluster deployment gets: the same in `npm run dev:cluster`
 * (scripts/cluster-stack.ts) and docker-compose.yml (there as `X_FILE`).
 */
/** Secret settings each role receives, here and in docker-compose.yml (there as `X_FILE`). */
export const ROLE_SECRETS = {
  api: ['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET'],
  // JWT_SECRET only because the shared configuration requires it of every process.
  worker: ['DATABASE_URL', 'JWT_SECRET', 'TRON_HOT_WALLET_PRIVATE_KEY'],
} as const;
/** Settings no cluster process receives (kept offline by the operator). */
export const NEVER_IN_CLUSTER = ['TRON_DEPOSIT_MNEMONIC'] as const;
const ALL_SECRETS = ['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET', 'TRON_HOT_WALLET_PRIVATE_KEY'];

/** The environment of one role: everything but the secrets of other roles, and never the mnemonic. */
export function roleEnv(role: keyof typeof ROLE_SECRETS, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const mine: readonly string[] = ROLE_SECRETS[role];
  for (const key of ALL_SECRETS) if (!mine.includes(key)) delete out[key];
  for (const key of NEVER_IN_CLUSTER) delete out[key];
  return out;
}
