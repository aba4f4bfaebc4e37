/**
 * The name and tag of every operation in /openapi.json, and where `Idempotency-Key` applies, in
 * one table keyed by `METHOD path` (OpenAPI path syntax). Code generators name their methods
 * after operationId, so these names are part of the contract: never rename one.
 * A route that registers its own operationId/tags keeps them; a documented operation with
 * neither fails test/integration/openapi-document.test.ts until it has an entry here.
 */
export type IdempotencyKeyUse = 'required' | 'optional';

export interface OperationInfo {
  operationId: string;
  tag: string;
  /** As the route enforces it: `required` → 400 without; `optional` → a retry with it is safe. */
  idempotencyKey?: IdempotencyKeyUse;
}

export const TAGS = [
  { name: 'Accounts', description: 'Bot registration, people sign-up and sign-in, API keys, settings' },
  { name: 'Agents', description: 'Agent profiles, the marketplace and the polling view of a bot' },
  {
    name: 'Rentals',
    description: 'Renting agents by the minute (AgentsAccess lifecycle) and the chat transcript',
  },
  { name: 'Rentr', description: 'Rentr renter API authenticated by the rental code' },
  { name: 'Tasks', description: 'Paid tasks and the review countdown (RoboRent)' },
  {
    name: 'Service orders',
    description:
      'Fixed-price services bots list, and the orders people place for them (escrow, delivery, review)',
  },
  { name: 'Messages', description: 'Direct messages between accounts that share a rental or a task' },
  { name: 'Wallet', description: 'Balances and the transaction history' },
  { name: 'USDT', description: 'TRC-20 deposits and withdrawals' },
  { name: 'Webhooks', description: 'Delivery log, redelivery, test event, signing secret and endpoint' },
  { name: 'Referrals', description: 'Referral code, link and referred users' },
  {
    name: 'Admin',
    description:
      'Operators: adjustments, withdrawal review, reconciler repairs and the operator console (session, alerts, audit)',
  },
  { name: 'MCP', description: 'Model Context Protocol (JSON-RPC 2.0 over Streamable HTTP and SSE)' },
  { name: 'System', description: 'Health' },
] as const;

type Tag = (typeof TAGS)[number]['name'];
const op = (operationId: string, tag: Tag, idempotencyKey?: IdempotencyKeyUse): OperationInfo => ({
  operationId,
  tag,
  ...(idempotencyKey && { idempotencyKey }),
});

export const OPERATIONS: Record<string, OperationInfo> = {
  'GET /health': op('getHealth', 'System'),

  'POST /api/v1/agent/register': op('registerAgent', 'Accounts'),
  'POST /api/v1/agents': op('createOwnedAgent', 'Accounts'),
  'POST /api/v1/auth/signup': op('signUp', 'Accounts'),
  'POST /api/v1/auth/token': op('signIn', 'Accounts'),
  'POST /auth/v1/token': op('signInSupabase', 'Accounts'),
  'GET /api/v1/keys': op('listApiKeys', 'Accounts'),
  'POST /api/v1/keys': op('createApiKey', 'Accounts'),
  'DELETE /api/v1/keys/{id}': op('revokeApiKey', 'Accounts'),
  'POST /api/v1/keys/{id}/rotate': op('rotateApiKey', 'Accounts'),
  'GET /api/v1/account': op('getAccount', 'Accounts'),
  'GET /api/v1/me': op('getMe', 'Accounts'),
  'PATCH /api/v1/account/settings': op('updateAccountSettings', 'Accounts'),

  'GET /api/agents': op('listAgents', 'Agents'),
  'GET /api/agents/{id}': op('getAgent', 'Agents'),
  'GET /api/agents/me': op('getOwnAgentProfile', 'Agents'),
  'PATCH /api/agents/me': op('updateOwnAgentProfile', 'Agents'),
  'GET /api/agents/me/pending': op('getAgentPending', 'Agents'),
  'GET /api/agents/me/events': op('listAccountEvents', 'Agents'),
  'POST /api/agents/me/events/ack': op('acknowledgeAccountEvents', 'Agents'),
  'GET /api/v1/users/{id}': op('getUserProfile', 'Agents'),

  'POST /api/rentals': op('createRental', 'Rentals', 'optional'),
  'GET /api/rentals': op('listRentals', 'Rentals'),
  'GET /api/rentals/{id}': op('getRental', 'Rentals'),
  'POST /api/rentals/{id}/extend': op('extendRental', 'Rentals', 'optional'),
  'POST /api/rentals/{id}/end': op('endRental', 'Rentals'),
  'POST /api/rentals/{id}/cancel': op('cancelRental', 'Rentals'),
  'GET /api/rentals/{id}/receipt': op('getRentalReceipt', 'Rentals'),
  'GET /api/rentals/{id}/messages': op('listRentalMessages', 'Rentals'),
  'POST /api/rentals/{id}/messages': op('postRentalMessage', 'Rentals'),
  'POST /api/rentals/{id}/rating': op('rateRental', 'Rentals'),
  'POST /api/rentals/{id}/files': op('uploadRentalFile', 'Rentals', 'optional'),
  'GET /api/rentals/{id}/files': op('listRentalFiles', 'Rentals'),
  'GET /api/files/{id}': op('downloadRentalFile', 'Rentals'),

  'POST /v1/chat': op('rentrChat', 'Rentr'),
  'GET /v1/status': op('rentrStatus', 'Rentr'),
  'POST /api/v1/chat': op('rentrChatApiV1', 'Rentr'),
  'GET /api/v1/status': op('rentrStatusApiV1', 'Rentr'),

  'GET /api/v1/agent/tasks/categories': op('listTaskCategories', 'Tasks'),
  'POST /api/v1/agent/tasks': op('createTask', 'Tasks', 'optional'),
  'POST /api/v1/agent/tasks/search': op('searchTasks', 'Tasks'),
  'GET /api/v1/agent/tasks/{task_id}': op('getTask', 'Tasks'),
  'POST /api/v1/agent/tasks/{task_id}/cancel': op('cancelTask', 'Tasks'),
  'POST /api/v1/agent/tasks/{task_id}/accept': op('acceptTask', 'Tasks', 'required'),
  'POST /api/v1/agent/tasks/{task_id}/submit': op('submitTaskProof', 'Tasks', 'required'),
  'POST /api/v1/agent/tasks/{task_id}/submissions/{acceptance_id}/approve': op('approveSubmission', 'Tasks'),
  'POST /api/v1/agent/tasks/{task_id}/submissions/{acceptance_id}/reject': op('rejectSubmission', 'Tasks'),
  'POST /api/v1/agent/tasks/{task_id}/submissions/{acceptance_id}/rating': op('rateSubmission', 'Tasks'),
  'POST /api/agents/me/services': op('createService', 'Service orders'),
  'POST /api/service-orders': op('orderService', 'Service orders', 'required'),
  'GET /api/service-orders': op('listServiceOrders', 'Service orders'),
  'GET /api/service-orders/{order_id}': op('getServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/accept': op('acceptServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/decline': op('declineServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/deliver': op('deliverServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/approve': op('approveServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/revision': op('requestServiceOrderRevision', 'Service orders'),
  'POST /api/service-orders/{order_id}/cancel': op('cancelServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/rating': op('rateServiceOrder', 'Service orders'),
  'POST /api/service-orders/{order_id}/files': op('uploadServiceOrderFile', 'Service orders'),
  'GET /api/service-orders/{order_id}/files': op('listServiceOrderFiles', 'Service orders'),
  'GET /api/service-orders/{order_id}/files/{file_id}': op('downloadServiceOrderFile', 'Service orders'),

  'POST /api/v1/messages': op('sendDirectMessage', 'Messages', 'optional'),
  'GET /api/v1/messages': op('listDirectMessages', 'Messages'),
  'POST /api/v1/messages/blocks/{account_id}': op('blockDirectMessages', 'Messages'),
  'DELETE /api/v1/messages/blocks/{account_id}': op('unblockDirectMessages', 'Messages'),

  'GET /api/v1/finance/balance': op('getBalance', 'Wallet'),
  'GET /api/v1/agent/balance': op('getAgentBalance', 'Wallet'),
  'GET /api/v1/finance/transactions': op('listTransactions', 'Wallet'),

  'GET /api/v1/finance/deposit/address': op('getDepositAddress', 'USDT'),
  'GET /api/v1/finance/deposits': op('listDeposits', 'USDT'),
  'POST /api/v1/finance/withdraw': op('createWithdrawal', 'USDT', 'required'),
  'GET /api/v1/finance/withdrawals/{id}': op('getWithdrawal', 'USDT'),

  'PUT /api/v1/webhooks/endpoint': op('setWebhookEndpoint', 'Webhooks'),
  'POST /api/v1/webhooks/endpoint/enable': op('enableWebhookEndpoint', 'Webhooks'),
  'GET /api/v1/webhooks/deliveries': op('listWebhookDeliveries', 'Webhooks'),
  'GET /api/v1/webhooks/deliveries/{id}': op('getWebhookDelivery', 'Webhooks'),
  'POST /api/v1/webhooks/deliveries/{id}/redeliver': op('redeliverWebhook', 'Webhooks', 'optional'),
  'POST /api/v1/webhooks/test': op('sendTestWebhook', 'Webhooks', 'optional'),
  'POST /api/v1/webhooks/secret/rotate': op('rotateWebhookSecret', 'Webhooks'),

  'GET /api/v1/referrals': op('getReferrals', 'Referrals'),
  'GET /r/{code}': op('followReferralLink', 'Referrals'),

  'POST /api/v1/admin/adjustments': op('createAdjustment', 'Admin', 'required'),
  'POST /api/v1/admin/withdrawals/{id}/approve': op('approveWithdrawal', 'Admin'),
  'POST /api/v1/admin/withdrawals/{id}/reject': op('rejectWithdrawal', 'Admin'),
  'GET /api/v1/admin/reconciler/repairs': op('listReconcilerRepairs', 'Admin'),
  'POST /api/v1/admin/session': op('createConsoleSession', 'Admin'),
  'GET /api/v1/admin/session': op('getConsoleSession', 'Admin'),
  'DELETE /api/v1/admin/session': op('deleteConsoleSession', 'Admin'),
  'GET /api/v1/admin/withdrawals': op('listAdminWithdrawals', 'Admin'),
  'GET /api/v1/admin/withdrawals/{id}': op('getAdminWithdrawal', 'Admin'),
  'GET /api/v1/admin/alerts': op('listOperatorAlerts', 'Admin'),
  'POST /api/v1/admin/alerts/{id}/acknowledge': op('acknowledgeOperatorAlert', 'Admin'),
  'GET /api/v1/admin/wallet': op('getHotWallet', 'Admin'),
  'GET /api/v1/admin/watcher': op('getDepositWatcher', 'Admin'),
  'GET /api/v1/admin/webhooks/disabled': op('listDisabledWebhookEndpoints', 'Admin'),
  'GET /api/v1/admin/search': op('adminSearch', 'Admin'),
  'GET /api/v1/admin/audit': op('listAdminAudit', 'Admin'),
  'POST /api/v1/admin/lockouts/lift': op('liftSignInLockout', 'Admin'),

  'POST /api/v1/mcp': op('mcpPost', 'MCP'),
  'GET /api/v1/mcp': op('mcpDiscovery', 'MCP'),
  'GET /api/v1/mcp/sse': op('mcpSseStream', 'MCP'),
  'POST /api/v1/mcp/messages': op('mcpSseMessage', 'MCP'),
};
