/**
 * The operators' use-cases: console login and sessions, the audit of operator decisions,
 * alerts and search. The console's views of other contexts live with them (withdrawals in
 * use-cases/withdrawals.ts, the deposit watcher in deposits.ts, disabled endpoints in
 * webhooks.ts) and record their decisions here. Reads come from db/operators.ts.
 */
import * as alerts from '../../db/operator-alerts';
import * as store from '../../db/operators';
import {
  temporalAccountUrl,
  temporalWorkflowUrl,
  workflowIdOf,
  workflowIdOfAlertSubject,
} from '../../domain/console';
import { AppError, ErrorCode, notFound, refuseIf } from '../../domain/errors';
import { moneyDecisionRefusal } from '../../domain/money-permissions';
import { afterKey, type CursorKey, toPage } from '../../domain/pagination';
import { type Principal, resolvePrincipal } from '../auth';
import type { ApiDeps } from '../deps';
import { adminKeyHash, newSecret, sha256 } from '../console-auth';
import * as accounts from './accounts';
import type { ConsoleLoginInput, LiftLockoutInput, ListAlertsQuery } from '../schemas/operators';
import { deleteCounters } from '../../db/rate-limits';
import { lockoutCounters } from '../rate-limit';

export const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * One page of `limit` from rows fetched one more than asked (the shared pagination of
 * domain/pagination.ts: opaque cursors tagged with their list, `invalid_cursor` for any other).
 */
export function paged<T>(rows: T[], limit: number, list: string, keyOf: (row: T) => CursorKey) {
  const { items: page, next_cursor, has_more } = toPage(rows, limit, list, keyOf);
  return { page, has_more, next_cursor };
}

/** The Temporal UI page of a workflow, as the console links it. */
export const consoleLink = (deps: ApiDeps, workflowId: string) =>
  temporalWorkflowUrl(deps.config.TEMPORAL_UI_URL, deps.config.TEMPORAL_NAMESPACE, workflowId);
const link = consoleLink;

// ---- session ----

export interface ConsoleLogin {
  token: string;
  actor: string;
  csrf_token: string;
  expires_at: string;
}

/**
 * The guessing budgets of a console login: a key's (its own, per IP) and a password's (the same
 * as every password sign-in).
 */
export interface ConsoleLoginLimits {
  key: <T>(attempt: () => Promise<T>) => Promise<T>;
  password: <T>(email: string, attempt: () => Promise<T>) => Promise<T>;
}

/** Who signs in: an admin key (or an admin's API key), or an admin account's email + password. */
export async function consoleLogin(
  deps: ApiDeps,
  input: ConsoleLoginInput,
  limits: ConsoleLoginLimits,
): Promise<ConsoleLogin> {
  let principal: Principal;
  if (input.key !== undefined) {
    const key = input.key;
    principal = await limits.key(async () => {
      const p = await resolvePrincipal(deps, key);
      if (!p) throw new AppError(ErrorCode.Unauthorized, 'invalid or revoked key');
      return p;
    });
  } else {
    const { email, password } = input as { email: string; password: string };
    const jwt = await limits.password(email, () => accounts.token(deps, { email, password }));
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

/**
 * Four eyes on money: refuses (403) an operator's decision on money of an account they own, or one
 * made with a sign-in token or API key instead of the console session or the admin key
 * (domain/money-permissions.ts). The caller has opened the audit entry; it records the refusal.
 */
export async function refuseUnlessMayDecideMoney(
  deps: ApiDeps,
  who: Actor,
  accountId: string,
): Promise<void> {
  const subject = (await store.moneySubjectOf(deps.db, accountId)) ?? { accountId, ownerId: null };
  refuseIf(
    moneyDecisionRefusal(
      {
        accountId: who.principal.accountId,
        via: who.principal.via,
        viaConsole: who.consoleActor !== undefined,
      },
      subject,
    ),
  );
}

/** Records an operator decision as pending, before it is sent (settleAudit records its outcome). */
export async function startAudit(
  deps: ApiDeps,
  who: Actor,
  action: string,
  subjectId: string,
  reason: string | null,
  journalReference?: string,
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
    journalReference,
    actorAccountId: who.principal.accountId,
    actor,
    via: who.principal.via,
    channel: who.consoleActor ? 'console' : 'api',
  });
}

/**
 * Runs an operator's action under the audit: recorded pending before, settled applied or refused
 * (with the error's words) after. For actions an admin takes on others' objects outside the
 * console's own endpoints (ending or extending someone's rental).
 */
export async function audited<T>(
  deps: ApiDeps,
  who: Actor,
  what: { action: string; subjectId: string; reason: string | null },
  act: () => Promise<T>,
): Promise<T> {
  const auditId = await startAudit(deps, who, what.action, what.subjectId, what.reason);
  try {
    const result = await act();
    await store.settleAudit(deps.db, auditId, 'applied', null);
    return result;
  } catch (err) {
    await store.settleAudit(deps.db, auditId, 'refused', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

export const auditView = (a: store.AuditEntry) => ({
  ...a,
  created_at: a.created_at.toISOString(),
  settled_at: iso(a.settled_at),
});

export const settleAudit = (
  deps: ApiDeps,
  auditId: number,
  outcome: store.AuditOutcome,
  detail: string | null,
) => store.settleAudit(deps.db, auditId, outcome, detail);

/** The audit of these subjects, newest first; open entries completed first where known. */
export async function auditOf(deps: ApiDeps, subjectIds: string[]) {
  await store.completeOpenAudits(deps.db);
  return store.auditOf(deps.db, subjectIds);
}

export async function recentAudit(deps: ApiDeps, q: { limit: number; cursor?: string }) {
  const after = afterKey('admin-audit', ['bigint'], q.cursor);
  await store.completeOpenAudits(deps.db);
  const rows = await store.recentAudit(deps.db, q.limit + 1, after ? Number(after[0]) : undefined);
  const { page, ...info } = paged(rows, q.limit, 'admin-audit', (a) => [a.id]);
  return { audit: page.map(auditView), ...info };
}

// ---- sign-in lock-outs ----

/**
 * Lifts the sign-in lock-out of an email and/or an address (audited): their failure counters are
 * deleted in Postgres, so every API process lets them in again at once.
 */
export async function liftLockout(deps: ApiDeps, who: Actor, input: LiftLockoutInput, nowMs: number) {
  const email = input.email?.toLowerCase();
  const subject = [email && `email:${email}`, input.ip && `ip:${input.ip}`].filter(Boolean).join(' ');
  const auditId = await startAudit(deps, who, 'lockout.lift', subject, input.reason);
  try {
    const cleared = await deleteCounters(
      deps.db,
      lockoutCounters(deps.config, { email, ip: input.ip }),
      nowMs,
    );
    await store.settleAudit(deps.db, auditId, 'applied', `${cleared} counters cleared`);
    return { email: email ?? null, ip: input.ip ?? null, counters_cleared: cleared };
  } catch (err) {
    await store.settleAudit(deps.db, auditId, 'refused', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

// ---- alerts ----

const ALERT_STATES: Record<ListAlertsQuery['status'], alerts.AlertState[]> = {
  open: ['open'],
  acknowledged: ['acknowledged'],
  resolved: ['resolved'],
  unresolved: ['open', 'acknowledged'],
  all: ['open', 'acknowledged', 'resolved'],
};

function alertView(deps: ApiDeps, a: alerts.AlertRow) {
  const workflowId = workflowIdOfAlertSubject(a.subject) ?? null;
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    message: a.message,
    state: (a.resolved_at ? 'resolved' : a.acknowledged_at ? 'acknowledged' : 'open') as alerts.AlertState,
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
  const after = afterKey('admin-alerts', ['bigint'], q.cursor);
  const rows = await alerts.listAlerts(
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
  const auditId = await startAudit(deps, who, 'alert.acknowledge', String(id), note);
  const actor =
    who.consoleActor ??
    (who.principal.via === 'admin_key'
      ? 'admin key'
      : await store.actorLabel(deps.db, who.principal.accountId));
  const result = await alerts.acknowledgeAlert(deps.db, id, { accountId: who.principal.accountId, actor });
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

// ---- search ----

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
