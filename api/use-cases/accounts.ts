/** Accounts: registration, sign-up, sign-in, API keys, settings and referrals. */
import { hash, verify } from '@node-rs/argon2';
import type { z } from 'zod';
import { createAccount, insertApiKey } from '../../domain/accounts';
import { withTransaction } from '../../domain/db';
import { AppError, ErrorCode, forbidden, notFound } from '../../domain/errors';
import { fromMicro, type Micro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { apiKeysPage } from '../../db/accounts';
import { issueJwt, type Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type {
  apiKeyView,
  createKeyInput,
  referralsOutput,
  registrationOutput,
  signupInput,
  tokenInput,
  tokenOutput,
} from '../schemas/accounts';

type Deps = Pick<ApiDeps, 'db' | 'config'>;
type Registration = z.infer<typeof registrationOutput>;

const REGISTRATION_NOTE = 'Use X-API-Key header for all requests.';

/** A bot account with its first API key; `ownerId` when a person creates it (POST /api/v1/agents). */
/** The account behind a referral code, or a 400 naming the field; undefined when no code was sent. */
async function referrerOf(deps: Deps, code: string | undefined): Promise<string | undefined> {
  if (!code) return undefined;
  const r = await deps.db.query<{ id: string }>('SELECT id FROM accounts WHERE referral_code = $1', [
    code.toLowerCase(),
  ]);
  if (!r.rows[0]) throw new AppError(ErrorCode.Validation, 'referral_code: unknown referral code');
  return r.rows[0].id;
}

export async function registerBot(
  deps: Deps,
  input: { agent_name: string; referral_code?: string },
  ownerId?: string,
): Promise<Registration> {
  const referredBy = await referrerOf(deps, input.referral_code);
  const created = await createAccount(
    deps.db,
    { kind: 'bot', displayName: input.agent_name, ownerId, referredBy },
    true,
  );
  return {
    success: true,
    api_key: created.key!.key,
    key_prefix: created.key!.prefix,
    user_id: created.id,
    agent_name: input.agent_name,
    note: REGISTRATION_NOTE,
  };
}

export async function createOwnedBot(
  deps: Deps,
  principal: Principal,
  input: { agent_name: string; referral_code?: string },
): Promise<Registration> {
  if (principal.isBot) throw forbidden('only people can own agents; bots register themselves');
  // An owner referring its own bot would pay itself a share of the fees that bot generates.
  if (input.referral_code !== undefined)
    throw new AppError(ErrorCode.Validation, 'referral_code: only self-registered bots take a referral code');
  return registerBot(deps, { agent_name: input.agent_name }, principal.accountId);
}

export async function signup(deps: Deps, input: z.infer<typeof signupInput>) {
  const referredBy = await referrerOf(deps, input.referral_code);
  const created = await createAccount(
    deps.db,
    {
      kind: 'person',
      email: input.email.toLowerCase(),
      username: input.username,
      displayName: input.username,
      passwordHash: await hash(input.password),
      referredBy,
    },
    false,
  );
  const jwt = issueJwt(deps.config, { sub: created.id, role: 'user' });
  return {
    user_id: created.id,
    email: input.email.toLowerCase(),
    username: input.username,
    referral_code: created.referralCode,
    referred: referredBy !== undefined,
    access_token: jwt.token,
    token_type: 'bearer' as const,
    expires_in: jwt.expiresIn,
  };
}

// Verifying against a fixed hash when the email is unknown keeps both paths equally slow.
let dummyHash: Promise<string> | undefined;

export async function token(
  deps: Deps,
  input: z.infer<typeof tokenInput>,
): Promise<z.infer<typeof tokenOutput>> {
  const r = await deps.db.query<{ id: string; role: 'user' | 'admin'; password_hash: string | null }>(
    'SELECT id, role, password_hash FROM accounts WHERE lower(email) = lower($1)',
    [input.email],
  );
  const row = r.rows[0];
  dummyHash ??= hash('not-a-password-of-anyone');
  const ok = await verify(row?.password_hash ?? (await dummyHash), input.password).catch(() => false);
  if (!row?.password_hash || !ok) throw new AppError(ErrorCode.Unauthorized, 'invalid email or password');
  const jwt = issueJwt(deps.config, { sub: row.id, role: row.role });
  return { access_token: jwt.token, token_type: 'bearer', expires_in: jwt.expiresIn };
}

type KeyView = z.infer<typeof apiKeyView>;
interface KeyRow {
  id: string;
  key_prefix: string;
  name: string | null;
  rate_limit_per_minute: number;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const keyView = (k: KeyRow): KeyView => ({
  id: k.id,
  key_prefix: k.key_prefix,
  name: k.name,
  rate_limit_per_minute: k.rate_limit_per_minute,
  created_at: k.created_at.toISOString(),
  last_used_at: iso(k.last_used_at),
  revoked_at: iso(k.revoked_at),
});
const KEY_COLUMNS = 'id, key_prefix, name, rate_limit_per_minute, created_at, last_used_at, revoked_at';

export async function listKeys(
  deps: Deps,
  principal: Principal,
  query: { limit: number; cursor?: string },
): Promise<{ keys: KeyView[]; next_cursor: string | null; has_more: boolean }> {
  const after = afterKey('keys', ['string', 'string'], query.cursor);
  const rows = await apiKeysPage<KeyRow>(deps.db, KEY_COLUMNS, principal.accountId, after, query.limit + 1);
  const page = toPage(rows, query.limit, 'keys', (k) => [k.key_time, k.id]);
  return { keys: page.items.map(keyView), next_cursor: page.next_cursor, has_more: page.has_more };
}

export async function createKey(
  deps: Deps,
  principal: Principal,
  input: z.infer<typeof createKeyInput>,
): Promise<KeyView & { api_key: string }> {
  const issued = await insertApiKey(deps.db, principal.accountId, input.name ?? null);
  const r = await deps.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [issued.id]);
  return { ...keyView(r.rows[0]), api_key: issued.key };
}

export async function revokeKey(deps: Deps, principal: Principal, keyId: string): Promise<KeyView> {
  // Revoking twice is harmless: the first revocation time is kept.
  const r = await deps.db.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND account_id = $2
     RETURNING ${KEY_COLUMNS}`,
    [keyId, principal.accountId],
  );
  if (!r.rows[0]) throw notFound('API key');
  return keyView(r.rows[0]);
}

/** Revokes a live key and issues its replacement (same name and limit) in one transaction. */
export async function rotateKey(
  deps: Deps,
  principal: Principal,
  keyId: string,
): Promise<KeyView & { api_key: string; replaces: string }> {
  return withTransaction(deps.db, async (tx) => {
    const old = await tx.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND account_id = $2 FOR UPDATE`,
      [keyId, principal.accountId],
    );
    const row = old.rows[0];
    if (!row) throw notFound('API key');
    if (row.revoked_at) throw new AppError(ErrorCode.Conflict, 'API key is already revoked');
    await tx.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
    const issued = await insertApiKey(tx, principal.accountId, row.name);
    const r = await tx.query<KeyRow>(
      `UPDATE api_keys SET rate_limit_per_minute = $2 WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
      [issued.id, row.rate_limit_per_minute],
    );
    return { ...keyView(r.rows[0]), api_key: issued.key, replaces: keyId };
  });
}

export async function getAccount(deps: Deps, principal: Principal) {
  const r = await deps.db.query<{
    id: string;
    kind: 'person' | 'bot';
    role: 'user' | 'admin';
    email: string | null;
    username: string | null;
    display_name: string | null;
    owner_id: string | null;
    referral_code: string;
    settings: { max_hourly_spend_usd?: number | null };
    created_at: Date;
  }>(
    `SELECT id, kind, role, email, username, display_name, owner_id, referral_code, settings, created_at
       FROM accounts WHERE id = $1`,
    [principal.accountId],
  );
  const a = r.rows[0];
  if (!a) throw notFound('account');
  return {
    id: a.id,
    is_bot: a.kind === 'bot',
    role: a.role,
    email: a.email,
    username: a.username,
    name: a.display_name ?? a.username,
    owner_id: a.owner_id,
    referral_code: a.referral_code,
    settings: { max_hourly_spend_usd: a.settings.max_hourly_spend_usd ?? null },
    created_at: a.created_at.toISOString(),
  };
}

/** `max_hourly_spend_usd: null` removes the cap. Stored as a decimal, read by assertWithinSpendCap. */
export async function updateSettings(
  deps: Deps,
  principal: Principal,
  input: { max_hourly_spend_usd: Micro | null },
) {
  const cap = input.max_hourly_spend_usd === null ? null : fromMicro(input.max_hourly_spend_usd);
  await deps.db.query(
    `UPDATE accounts SET settings = jsonb_set(settings, '{max_hourly_spend_usd}', $2::jsonb) WHERE id = $1`,
    [principal.accountId, JSON.stringify(cap)],
  );
  return { settings: { max_hourly_spend_usd: cap } };
}

export async function referrals(
  deps: Deps,
  principal: Principal,
  baseUrl: string,
): Promise<z.infer<typeof referralsOutput>> {
  const me = await deps.db.query<{ referral_code: string }>(
    'SELECT referral_code FROM accounts WHERE id = $1',
    [principal.accountId],
  );
  if (!me.rows[0]) throw notFound('account');
  const code = me.rows[0].referral_code;
  // Commission = the referrer's credits in referral_commission journals (activities/ledger.ts).
  const r = await deps.db.query<{ name: string; joined_at: Date; expires_at: Date; commission: number }>(
    `SELECT coalesce(a.display_name, a.username, 'anonymous') AS name, a.created_at AS joined_at,
            a.created_at + make_interval(days => $2) AS expires_at,
            coalesce(c.commission, 0)::bigint AS commission
       FROM accounts a
       LEFT JOIN (
         SELECT j.memo->>'referred_id' AS referred_id, sum(e.amount) AS commission
           FROM ledger_journals j
           JOIN ledger_entries e ON e.journal_id = j.id
           JOIN ledger_accounts la ON la.id = e.ledger_account_id AND la.owner_id = $1
          WHERE j.kind = 'referral_commission' AND j.memo->>'referrer_id' = $1::text
          GROUP BY 1
       ) c ON c.referred_id = a.id::text
      WHERE a.referred_by = $1
      ORDER BY a.created_at DESC, a.id`,
    [principal.accountId, deps.config.REFERRAL_WINDOW_DAYS],
  );
  return {
    code,
    link: `${baseUrl}/r/${code}`,
    referred_users: r.rows.map((u) => ({
      name: u.name,
      joined_at: u.joined_at.toISOString(),
      earning_window_expires_at: u.expires_at.toISOString(),
      commission_earned: fromMicro(u.commission),
    })),
  };
}

/** `/r/<code>`: whether the code exists (the link itself carries no private data). */
export async function referralCodeExists(deps: Deps, code: string): Promise<boolean> {
  const r = await deps.db.query('SELECT 1 FROM accounts WHERE referral_code = $1', [code.toLowerCase()]);
  return (r.rowCount ?? 0) > 0;
}
