/** Accounts: registration, sign-up, sign-in, API keys, settings and referrals. */
import { hash, verify } from '@node-rs/argon2';
import type { z } from 'zod';
import { createAccount, insertApiKey, insertApiKeyWithinLimit } from '../../db/accounts';
import { withTransaction } from '../../db/transaction';
import { AppError, appError, ErrorCode, notFound } from '../../domain/errors';
import { fromMicro, type Micro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
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
import {
  accountById,
  type KeyRow,
  accountIdByReferralCode,
  accountsWithReferralCode,
  credentialsByEmail,
  keyById,
  keysOf,
  lockKeyOf,
  markKeyRevoked,
  referralCodeOf,
  referredAccountsOf,
  revokeApiKey,
  setKeyRateLimit,
  setMaxHourlySpend,
} from '../../db/accounts';

type Deps = Pick<ApiDeps, 'db' | 'config'>;
type Registration = z.infer<typeof registrationOutput>;

const REGISTRATION_NOTE = 'Use X-API-Key header for all requests.';

/** A bot account with its first API key; `ownerId` when a person creates it (POST /api/v1/agents). */
/** The account behind a referral code, or a 400 naming the field; undefined when no code was sent. */
async function referrerOf(deps: Deps, code: string | undefined): Promise<string | undefined> {
  if (!code) return undefined;
  const r = await accountIdByReferralCode(deps.db, code.toLowerCase());
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
    {
      kind: 'bot',
      displayName: input.agent_name,
      ownerId,
      referredBy,
      maxOwnedBots: ownerId === undefined ? undefined : deps.config.MAX_OWNED_BOTS,
    },
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
  if (principal.isBot) throw appError('people_own_agents');
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
  const jwt = await issueJwt(deps.config, { sub: created.id, role: 'user' });
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
  const r = await credentialsByEmail(deps.db, input.email);
  const row = r.rows[0];
  dummyHash ??= hash('not-a-password-of-anyone');
  const ok = await verify(row?.password_hash ?? (await dummyHash), input.password).catch(() => false);
  if (!row?.password_hash || !ok) throw appError('invalid_email_or_password');
  const jwt = await issueJwt(deps.config, { sub: row.id, role: row.role });
  return { access_token: jwt.token, token_type: 'bearer', expires_in: jwt.expiresIn };
}

type KeyView = z.infer<typeof apiKeyView>;
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

export async function listKeys(
  deps: Deps,
  principal: Principal,
  query: { limit: number; cursor?: string },
): Promise<{ keys: KeyView[]; next_cursor: string | null; has_more: boolean }> {
  const after = afterKey('keys', ['string', 'string'], query.cursor);
  const r = await keysOf(deps.db, principal.accountId, after, query.limit + 1);
  const page = toPage(r.rows, query.limit, 'keys', (k) => [k.key_time, k.id]);
  return { keys: page.items.map(keyView), next_cursor: page.next_cursor, has_more: page.has_more };
}

export async function createKey(
  deps: Deps,
  principal: Principal,
  input: z.infer<typeof createKeyInput>,
): Promise<KeyView & { api_key: string }> {
  const issued = await insertApiKeyWithinLimit(
    deps.db,
    principal.accountId,
    input.name ?? null,
    deps.config.MAX_API_KEYS,
  );
  const r = await keyById(deps.db, issued.id);
  return { ...keyView(r.rows[0]), api_key: issued.key };
}

export async function revokeKey(deps: Deps, principal: Principal, keyId: string): Promise<KeyView> {
  // Revoking twice is harmless: the first revocation time is kept.
  const r = await revokeApiKey(deps.db, keyId, principal.accountId);
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
    const old = await lockKeyOf(tx, keyId, principal.accountId);
    const row = old.rows[0];
    if (!row) throw notFound('API key');
    if (row.revoked_at) throw appError('api_key_already_revoked');
    await markKeyRevoked(tx, keyId);
    const issued = await insertApiKey(tx, principal.accountId, row.name);
    const r = await setKeyRateLimit(tx, issued.id, row.rate_limit_per_minute);
    return { ...keyView(r.rows[0]), api_key: issued.key, replaces: keyId };
  });
}

export async function getAccount(deps: Deps, principal: Principal) {
  const r = await accountById(deps.db, principal.accountId);
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
  await setMaxHourlySpend(deps.db, principal.accountId, JSON.stringify(cap));
  return { settings: { max_hourly_spend_usd: cap } };
}

export async function referrals(
  deps: Deps,
  principal: Principal,
  baseUrl: string,
): Promise<z.infer<typeof referralsOutput>> {
  const me = await referralCodeOf(deps.db, principal.accountId);
  if (!me.rows[0]) throw notFound('account');
  const code = me.rows[0].referral_code;
  // Commission = the referrer's credits in referral_commission journals (activities/ledger.ts).
  const r = await referredAccountsOf(deps.db, principal.accountId, deps.config.REFERRAL_WINDOW_DAYS);
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
  const r = await accountsWithReferralCode(deps.db, code.toLowerCase());
  return (r.rowCount ?? 0) > 0;
}
