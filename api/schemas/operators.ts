/** Schemas of the operator console's JSON admin endpoints (inputs validated, views documented). */
import { z } from 'zod';
import { isIP } from 'node:net';
import { registry } from '../openapi';
import { textRule, uuidSchema } from '../validation';
import { pageCursor, pageLimit } from './common';

/**
 * `?cursor=`: the opaque `next_cursor` of a previous page, decoded by the list itself
 * (domain/pagination.ts) so that anything else is a 400 `invalid_cursor`, as on every other list.
 */
export const opaqueCursor = pageCursor;

const page = { limit: pageLimit(50, 100), cursor: opaqueCursor };
const pageInfo = {
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
  has_more: z.boolean(),
};

export const consoleLoginInput = z
  .object({
    key: z
      .string()
      .min(1, 'must not be empty')
      .max(512)
      .optional()
      .describe('ADMIN_API_KEY or an admin’s API key'),
    email: z.string().min(1).max(320).optional(),
    password: z.string().min(1).max(1024).optional(),
  })
  .refine((v) => (v.key !== undefined) !== (v.email !== undefined && v.password !== undefined), {
    message: 'send either key, or email and password',
  });
export type ConsoleLoginInput = z.infer<typeof consoleLoginInput>;

export const consoleSessionView = registry.register(
  'ConsoleSession',
  z.object({
    actor: z.string().describe('who the audit names for this session'),
    csrf_token: z.string().describe('send in X-CSRF-Token on every state-changing request'),
    expires_at: z.string(),
    temporal_ui_url: z.string(),
    temporal_namespace: z.string(),
  }),
);

export const auditEntryView = registry.register(
  'AdminAuditEntry',
  z.object({
    id: z.number().int(),
    action: z.string().describe('withdrawal.approve, withdrawal.reject, alert.acknowledge'),
    subject_id: z.string(),
    subject_status: z.string().nullable().describe('where the subject stands now'),
    reason: z.string().nullable(),
    actor: z.string().describe('who decided: "admin key" or the account’s email / username'),
    actor_account_id: z.string(),
    via: z.string().describe('admin_key, api_key or jwt'),
    channel: z.enum(['console', 'api']),
    outcome: z
      .enum(['pending', 'applied', 'refused', 'unknown'])
      .describe(
        'unknown: the decision was sent but its answer did not come (timeout); completed to applied or refused once the subject shows it',
      ),
    outcome_detail: z.string().nullable(),
    created_at: z.string(),
    settled_at: z.string().nullable(),
  }),
);

export const listAdminWithdrawalsQuery = z.object({
  status: z
    .enum(['queued', 'review', 'waiting_funds', 'broadcast', 'confirmed', 'rejected', 'failed'])
    .default('review'),
  ...page,
});
export type ListAdminWithdrawalsQuery = z.infer<typeof listAdminWithdrawalsQuery>;

export const adminWithdrawalView = registry.register(
  'AdminWithdrawal',
  z.object({
    withdrawal_id: z.string(),
    account_id: z.string(),
    amount: z.number(),
    fee: z.number(),
    net_amount: z.number(),
    address: z.string(),
    status: z.string(),
    status_reason: z.string().nullable(),
    review_reasons: z.array(z.string()),
    decided_by: z.string().nullable(),
    txid: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    workflow_id: z.string(),
    temporal_url: z.string(),
    audit: z.array(auditEntryView),
  }),
);
export const adminWithdrawalList = z.object({ withdrawals: z.array(adminWithdrawalView), ...pageInfo });
export const adminWithdrawalParams = z.object({ id: uuidSchema });

export const listAlertsQuery = z.object({
  status: z.enum(['open', 'acknowledged', 'resolved', 'unresolved', 'all']).default('unresolved'),
  ...page,
});
export type ListAlertsQuery = z.infer<typeof listAlertsQuery>;

export const alertView = registry.register(
  'OperatorAlert',
  z.object({
    id: z.number().int(),
    kind: z.string(),
    subject: z.string(),
    message: z.string(),
    state: z.enum(['open', 'acknowledged', 'resolved']),
    created_at: z.string(),
    last_seen_at: z.string(),
    resolved_at: z.string().nullable(),
    acknowledged_at: z.string().nullable(),
    acknowledged_by: z.string().nullable().describe('who acknowledged it'),
    workflow_id: z.string().nullable(),
    temporal_url: z.string().nullable(),
  }),
);
export const alertList = z.object({ alerts: z.array(alertView), ...pageInfo });
export const alertParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,18}$/, 'must be an alert id')
    .transform(Number),
});
export const acknowledgeAlertInput = z.object({
  note: textRule(z.string().trim().max(500, 'must be at most 500 characters')).optional(),
});

export const walletView = registry.register(
  'HotWallet',
  z.object({
    configured: z
      .boolean()
      .describe(
        'false when no hot wallet is configured (TRON_HOT_WALLET_ADDRESS or _PRIVATE_KEY, and TRON_USDT_CONTRACT)',
      ),
    address: z.string().nullable(),
    trx: z.number().nullable().describe('TRX (6 decimals); null when not configured'),
    usdt: z.number().nullable().describe('USDT (6 decimals); null when not configured'),
    fee_limit_trx: z.number().describe('TRX one withdrawal may burn (TRON_FEE_LIMIT_SUN)'),
    checked_at: z.string(),
  }),
);

export const watcherView = registry.register(
  'DepositWatcher',
  z.object({
    watcher_id: z.string(),
    next_block: z.number().int().nullable().describe('next block the watcher scans (null: never ran)'),
    head_block: z.number().int().nullable().describe('chain head now (null: chain unreachable)'),
    lag_blocks: z.number().int().nullable().describe('blocks between the head and the watcher'),
    cursor_updated_at: z.string().nullable(),
    seconds_since_update: z.number().int().nullable(),
    temporal_url: z.string(),
  }),
);

export const disabledEndpointsQuery = z.object(page);
export const disabledEndpointView = registry.register(
  'DisabledWebhookEndpoint',
  z.object({
    account_id: z.string(),
    name: z.string().nullable(),
    webhook_url: z.string().nullable(),
    disabled_at: z.string(),
    last_failed_delivery_id: z.string().nullable(),
    last_error: z.string().nullable(),
    temporal_url: z.string().describe('the last failed delivery’s workflow, else the account’s workflows'),
  }),
);
export const disabledEndpointList = z.object({ endpoints: z.array(disabledEndpointView), ...pageInfo });

export const searchQuery = z.object({
  q: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});
export const searchHitView = registry.register(
  'AdminSearchHit',
  z.object({
    kind: z.enum(['account', 'rental', 'task', 'task_acceptance', 'withdrawal', 'webhook_delivery']),
    id: z.string(),
    label: z.string(),
    status: z.string().nullable(),
    account_id: z.string().nullable(),
    is_bot: z.boolean().nullable().describe('accounts: whether it is a bot; null for other kinds'),
    temporal_url: z.string(),
  }),
);
export const searchResult = z.object({ query: z.string(), results: z.array(searchHitView) });

export const auditQuery = z.object(page);
export const auditList = z.object({ audit: z.array(auditEntryView), ...pageInfo });

/** An operator lifts a sign-in lock-out: of an email, of an address, or both; the reason is audited. */
export const liftLockoutInput = registry.register(
  'LiftLockoutInput',
  z
    .object({
      email: textRule(z.string({ error: 'must be a string' }).trim().min(1).max(254)).optional(),
      ip: z
        .string({ error: 'must be a string' })
        .trim()
        .max(64, 'must be an IPv4 or IPv6 address')
        .refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')
        .optional(),
      reason: textRule(
        z
          .string({ error: (iss) => (iss.input === undefined ? 'is required: say why' : 'must be a string') })
          .trim()
          .min(1, 'is required: say why')
          .max(500, 'must be at most 500 characters'),
        { multiline: true },
      ),
    })
    .refine((v) => v.email !== undefined || v.ip !== undefined, {
      message: 'name an email, an ip, or both',
      path: ['email'],
    }),
);
export type LiftLockoutInput = z.infer<typeof liftLockoutInput>;

export const liftLockoutResult = registry.register(
  'LockoutLifted',
  z.object({
    email: z.string().nullable(),
    ip: z.string().nullable(),
    counters_cleared: z
      .number()
      .int()
      .describe('sign-in and credential counters of this email / address that were still counting'),
  }),
);
