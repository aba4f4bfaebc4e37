/**
 * The operator console's use-cases: console login, the audited withdrawal decision, alerts,
 * hot wallet, deposit watcher, disabled endpoints and search. Reads come from db/operators.ts; the
 * chain is asked through the same TronNode the activities use.
 */
import { TronWeb } from 'tronweb';
import { TronNode } from '../../activities/tron-node';
import * as store from '../../db/operators';
import {
  temporalAccountUrl,
  temporalWorkflowUrl,
  workflowIdOf,
  workflowIdOfAlertSubject,
} from '../../domain/console';
import { AppError, ErrorCode, notFound } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { afterKey, type CursorKey, toPage } from '../../domain/pagination';
import { addressOfPrivateKey } from '../../activities/tron-address';
import { type Principal, resolvePrincipal } from '../auth';
import type { ApiDeps } from '../deps';
import { adminKeyHash, newSecret, sha256 } from '../console-auth';
import { reviewWithdrawal } from './withdrawals';
import * as accounts from './accounts';
import type { ConsoleLoginInput, ListAdminWithdrawalsQuery, ListAlertsQuery } from '../schemas/operators';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * One page of `limit` from rows fetched one more than asked (the shared pagination of
 * domain/pagination.ts: opaque cursors tagged with their list, `invalid_cursor` for any other).
 */
function paged<T>(rows: T[], limit: number, list: string, keyOf: (row: T) => CursorKey) {
  const { items: page, next_cursor, has_more } = toPage(rows, limit, list, keyOf);
  return { page, has_more, next_cursor };
}

const link = (deps: ApiDeps, workflowId: string) =>
  temporalWorkflowUrl(deps.config.TEMPORAL_UI_URL, deps.config.TEMPORAL_NAMESPACE, workflowId);

// ---- session ----

export interface ConsoleLogin {
  token: string;
  actor: string;
  csrf_token: string;
  expires_at: string;
}

/** Who signs in: an admin key (or an admin's API key), or an admin account's email + password. */
export async function consoleLogin(
  deps: ApiDeps,
  input: ConsoleLoginInput,
  limitSignIn: <T>(who: string, attempt: () => Promise<T>) => Promise<T>,
): Promise<ConsoleLogin> {
  let principal: Principal;
  if (input.key !== undefined) {
    const key = input.key;
    principal = await limitSignIn('console-key', async () => {
      const p = await resolvePrincipal(deps, key);
      if (!p) throw new AppError(ErrorCode.Unauthorized, 'invalid or revoked key');
      return p;
    });
  } else {
    const { email, password } = input as { email: string; password: string };
    const jwt = await limitSignIn(email, () => accounts.token(deps, { email, password }));
    const p = await resolvePrincipal(deps, jwt.access_token);
    if (!p) throw new AppError(ErrorCode.Unauthorized, 'invalid email or password');
    principal = p;
  }
  if (principal.role !== 'admin' || principal.isBot) throw new AppError(ErrorCode.Forbidden, 'admin only');

  const token = newSecret();
  const csrf = newSecret();
  const actor =
    principal.via === 'admin_key' ? 'admin key' : await store.actorLabel(deps.db, principal.accountId);
  const { expiresAt } = await store.createSession(deps.db, {
    tokenHash: sha256(token),
    accountId: principal.accountId,
    via: principal.via,
    keyId: principal.keyId ?? null,
    adminKeyHash: principal.via === 'admin_key' ? (adminKeyHash(deps.config) ?? null) : null,
    actor,
    csrfToken: csrf,
    ttlMinutes: deps.config.CONSOLE_SESSION_TTL_MINUTES,
  });
  return { token, actor, csrf_token: csrf, expires_at: expiresAt.toISOString() };
}

export const sessionView = (deps: ApiDeps, s: { actor: string; csrfToken: string; expiresAt: Date }) => ({
  actor: s.actor,
  csrf_token: s.csrfToken,
  expires_at: s.expiresAt.toISOString(),
  temporal_ui_url: deps.config.TEMPORAL_UI_URL,
  temporal_namespace: deps.config.TEMPORAL_NAMESPACE,
});

export const logout = (deps: ApiDeps, tokenHash: string) => store.revokeSession(deps.db, tokenHash);

// ---- audit ----

export interface Actor {
  principal: Principal;
  /** The console session's actor; unset for a key-header call (looked up). */
  consoleActor?: string;
}

async function auditStart(
  deps: ApiDeps,
  who: Actor,
  action: string,
  subjectId: string,
  reason: string | null,
) {
  const actor =
    who.consoleActor ??
    (who.principal.via === 'admin_key'
      ? 'admin key'
      : await store.actorLabel(deps.db, who.principal.accountId));
  return store.startAudit(deps.db, {
    action,
    subjectId,
    reason,
    actorAccountId: who.principal.accountId,
    actor,
    via: who.principal.via,
    channel: who.consoleActor ? 'console' : 'api',
  });
}

const auditView = (a: store.AuditEntry) => ({
  ...a,
  created_at: a.created_at.toISOString(),
  settled_at: iso(a.settled_at),
});

/**
 * An operator's approve/reject, audited: the entry is written (pending) before the decision is
 * sent to the workflow and settled with its outcome, so no decision goes unrecorded.
 */
export async function decideWithdrawal(
  deps: ApiDeps,
  who: Actor,
  input: { id: string; approve: boolean; reason: string },
) {
  if (!(await store.findWithdrawal(deps.db, input.id))) throw notFound('withdrawal');
  const action = input.approve ? 'withdrawal.approve' : 'withdrawal.reject';
  const auditId = await auditStart(deps, who, action, input.id, input.reason);
  try {
    const result = await reviewWithdrawal(deps, who.principal, input);
    await store.settleAudit(deps.db, auditId, 'applied', `status ${result.status}`);
    return result;
  } catch (err) {
    await store.settleAudit(deps.db, auditId, 'refused', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

export async function recentAudit(deps: ApiDeps, q: { limit: number; cursor?: string }) {
  const after = afterKey('admin-audit', ['number'], q.cursor);
  const rows = await store.recentAudit(deps.db, q.limit + 1, after ? Number(after[0]) : undefined);
  const { page, ...info } = paged(rows, q.limit, 'admin-audit', (a) => [a.id]);
  return { audit: page.map(auditView), ...info };
}

// ---- withdrawals ----

async function withdrawalViews(deps: ApiDeps, rows: store.WithdrawalRow[]) {
  const audit = await store.auditOf(
    deps.db,
    rows.map((w) => w.id),
  );
  return rows.map((w) => ({
    withdrawal_id: w.id,
    account_id: w.account_id,
    amount: fromMicro(w.amount),
    fee: fromMicro(w.fee),
    net_amount: fromMicro(w.net_amount),
    address: w.address,
    status: w.status,
    status_reason: w.status_reason,
    review_reasons: w.review_reasons,
    decided_by: w.decided_by,
    txid: w.txid,
    created_at: w.created_at.toISOString(),
    updated_at: w.updated_at.toISOString(),
    workflow_id: workflowIdOf.withdrawal(w.id),
    temporal_url: link(deps, workflowIdOf.withdrawal(w.id)),
    audit: audit.filter((a) => a.subject_id === w.id).map(auditView),
  }));
}

export async function listWithdrawals(deps: ApiDeps, q: ListAdminWithdrawalsQuery) {
  // A cursor belongs to its status filter: the order of another one would skip rows.
  const list = `admin-withdrawals:${q.status}`;
  const after = afterKey(list, ['string', 'string'], q.cursor);
  const rows = await store.listWithdrawalsByStatus(
    deps.db,
    q.status,
    q.limit + 1,
    after ? { createdAt: String(after[0]), id: String(after[1]) } : undefined,
  );
  const { page, ...info } = paged(rows, q.limit, list, (w) => [w.created_at.toISOString(), w.id]);
  return { withdrawals: await withdrawalViews(deps, page), ...info };
}

export async function getWithdrawal(deps: ApiDeps, id: string) {
  const row = await store.findWithdrawal(deps.db, id);
  if (!row) throw notFound('withdrawal');
  return (await withdrawalViews(deps, [row]))[0];
}

// ---- alerts ----

const ALERT_STATES: Record<ListAlertsQuery['status'], store.AlertState[]> = {
  open: ['open'],
  acknowledged: ['acknowledged'],
  resolved: ['resolved'],
  unresolved: ['open', 'acknowledged'],
  all: ['open', 'acknowledged', 'resolved'],
};

function alertView(deps: ApiDeps, a: store.AlertRow) {
  const workflowId = workflowIdOfAlertSubject(a.subject) ?? null;
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    message: a.message,
    state: (a.resolved_at ? 'resolved' : a.acknowledged_at ? 'acknowledged' : 'open') as store.AlertState,
    created_at: a.created_at.toISOString(),
    last_seen_at: a.last_seen_at.toISOString(),
    resolved_at: iso(a.resolved_at),
    acknowledged_at: iso(a.acknowledged_at),
    acknowledged_by: a.acknowledged_by_actor,
    workflow_id: workflowId,
    temporal_url: workflowId ? link(deps, workflowId) : null,
  };
}

export async function listAlerts(deps: ApiDeps, q: ListAlertsQuery) {
  const after = afterKey('admin-alerts', ['number'], q.cursor);
  const rows = await store.listAlerts(
    deps.db,
    ALERT_STATES[q.status],
    q.limit + 1,
    after ? Number(after[0]) : undefined,
  );
  const { page, ...info } = paged(rows, q.limit, 'admin-alerts', (a) => [a.id]);
  return { alerts: page.map((a) => alertView(deps, a)), ...info };
}

/** Acknowledges an open alert (audited); acknowledging it again changes nothing and answers it. */
export async function acknowledgeAlert(deps: ApiDeps, who: Actor, id: number, note: string | null) {
  const auditId = await auditStart(deps, who, 'alert.acknowledge', String(id), note);
  const actor =
    who.consoleActor ??
    (who.principal.via === 'admin_key'
      ? 'admin key'
      : await store.actorLabel(deps.db, who.principal.accountId));
  const result = await store.acknowledgeAlert(deps.db, id, { accountId: who.principal.accountId, actor });
  if (!result) {
    await store.settleAudit(deps.db, auditId, 'refused', 'alert not found');
    throw notFound('alert');
  }
  await store.settleAudit(
    deps.db,
    auditId,
    result.acknowledgedNow ? 'applied' : 'refused',
    result.acknowledgedNow ? null : `already ${alertView(deps, result.alert).state}`,
  );
  return alertView(deps, result.alert);
}

// ---- hot wallet, watcher ----

function hotWalletAddress(deps: ApiDeps): string | undefined {
  if (deps.config.TRON_HOT_WALLET_ADDRESS) return deps.config.TRON_HOT_WALLET_ADDRESS;
  const key = deps.config.TRON_HOT_WALLET_PRIVATE_KEY;
  return key ? addressOfPrivateKey(key) : undefined;
}

export async function hotWallet(deps: ApiDeps) {
  const address = hotWalletAddress(deps);
  const contract = deps.config.TRON_USDT_CONTRACT;
  // Not configured is a state the console shows, not a fault: 200 with no balances.
  if (!address || !contract || !TronWeb.isAddress(address))
    return {
      configured: false as const,
      address: null,
      trx: null,
      usdt: null,
      fee_limit_trx: fromMicro(deps.config.TRON_FEE_LIMIT_SUN),
      checked_at: new Date().toISOString(),
    };
  const node = new TronNode(deps.config);
  try {
    const [trxSun, usdtUnits] = await Promise.all([
      node.trxBalanceSun(address),
      node.tokenBalance(contract, address),
    ]);
    return {
      configured: true as const,
      address,
      trx: fromMicro(trxSun),
      usdt: fromMicro(Number(usdtUnits)),
      fee_limit_trx: fromMicro(deps.config.TRON_FEE_LIMIT_SUN),
      checked_at: new Date().toISOString(),
    };
  } catch (err) {
    throw new AppError(
      ErrorCode.Unavailable,
      'TRON node unreachable: hot wallet balances unknown',
      {},
      { cause: err },
    );
  }
}

export async function depositWatcher(deps: ApiDeps) {
  const watcherId = deps.config.TRON_DEPOSIT_WATCHER_ID;
  const [cursor, head] = await Promise.all([
    store.watcherCursor(deps.db, watcherId),
    new TronNode(deps.config).nowBlock().then(
      (b) => b.number,
      () => null,
    ),
  ]);
  const next = cursor?.next_block ?? null;
  return {
    watcher_id: watcherId,
    next_block: next,
    head_block: head,
    // The watcher has scanned up to next_block - 1; the head block itself is one to go.
    lag_blocks: next !== null && head !== null ? Math.max(0, head - next + 1) : null,
    cursor_updated_at: iso(cursor?.updated_at ?? null),
    seconds_since_update: cursor
      ? Math.max(0, Math.round((Date.now() - cursor.updated_at.getTime()) / 1000))
      : null,
    temporal_url: link(deps, watcherId),
  };
}

// ---- webhooks, search ----

export async function disabledEndpoints(deps: ApiDeps, q: { limit: number; cursor?: string }) {
  const after = afterKey('admin-disabled-endpoints', ['string', 'string'], q.cursor);
  const rows = await store.listDisabledEndpoints(
    deps.db,
    q.limit + 1,
    after ? { disabledAt: String(after[0]), accountId: String(after[1]) } : undefined,
  );
  const { page, ...info } = paged(rows, q.limit, 'admin-disabled-endpoints', (e) => [
    e.disabled_at.toISOString(),
    e.account_id,
  ]);
  return {
    endpoints: page.map((e) => ({
      ...e,
      disabled_at: e.disabled_at.toISOString(),
      temporal_url: e.last_failed_delivery_id
        ? link(deps, workflowIdOf.webhook(e.last_failed_delivery_id))
        : temporalAccountUrl(deps.config.TEMPORAL_UI_URL, deps.config.TEMPORAL_NAMESPACE, e.account_id),
    })),
    ...info,
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** By id (a bare UUID or a workflow id such as `rental-<id>`), else accounts by email / name prefix. */
export async function search(deps: ApiDeps, q: string) {
  const id = UUID.exec(q)?.[0]?.toLowerCase();
  const hits = await store.search(deps.db, id ? { id } : { text: q }, 20);
  const { TEMPORAL_UI_URL: ui, TEMPORAL_NAMESPACE: ns } = deps.config;
  const workflowOf: Record<store.SearchHit['kind'], (h: store.SearchHit) => string> = {
    account: (h) => temporalAccountUrl(ui, ns, h.id),
    rental: (h) => link(deps, workflowIdOf.rental(h.id)),
    task: (h) => link(deps, workflowIdOf.task(h.id)),
    task_acceptance: (h) => link(deps, workflowIdOf.taskReview(h.id)),
    withdrawal: (h) => link(deps, workflowIdOf.withdrawal(h.id)),
    webhook_delivery: (h) => link(deps, workflowIdOf.webhook(h.id)),
  };
  return { query: q, results: hits.map((h) => ({ ...h, temporal_url: workflowOf[h.kind](h) })) };
}
