/**
 * Registration point: one `mount<Area>Routes(app, deps)` per area, in this order.
 * (Append-only while several people work in parallel; see docs/TEAM.md.)
 */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { mountAccountsRoutes } from './accounts';
import { mountLedgerAdjustmentRoutes } from './ledger-adjustments';
import { mountAgentPendingRoutes } from './agent-pending';
import { mountAgentsRoutes } from './agents';
import { mountOperatorRoutes } from './operators';
import { mountHealthRoutes } from './health';
import { mountMcpRoutes } from './mcp';
import { mountReconcilerRoutes } from './reconciler';
import { mountReferralsRoutes } from './referrals';
import { mountRentalFilesRoutes } from './rental-files';
import { mountRentalsRoutes } from './rentals';
import { mountRentrRoutes } from './chat';
import { mountRatingRoutes } from './ratings';
import { mountMessageRoutes } from './messages';
import { mountSupabaseAuthRoutes } from './supabase-auth';
import { mountTaskCategoriesRoutes } from './task-categories';
import { mountTasksRoutes } from './tasks';
import { mountDepositRoutes } from './deposits';
import { mountWithdrawalRoutes } from './withdrawals';
import { mountLedgerRoutes } from './ledger';
import { mountWebhookRoutes } from './webhooks';

export function mountRoutes(app: Express, deps: ApiDeps): void {
  mountHealthRoutes(app, deps);
  mountAccountsRoutes(app, deps);
  mountLedgerAdjustmentRoutes(app, deps);
  mountAgentPendingRoutes(app, deps);
  mountAgentsRoutes(app, deps);
  mountReferralsRoutes(app, deps);
  mountRentalsRoutes(app, deps);
  mountRentrRoutes(app, deps);
  // Before the task routes: `/tasks/categories` must not be read as `/tasks/{task_id}`.
  mountTaskCategoriesRoutes(app, deps);
  mountTasksRoutes(app, deps);
  mountDepositRoutes(app, deps);
  mountWithdrawalRoutes(app, deps);
  mountLedgerRoutes(app, deps);
  mountWebhookRoutes(app, deps);
  mountReconcilerRoutes(app, deps);
  mountMcpRoutes(app, deps);
  mountSupabaseAuthRoutes(app, deps);
  mountOperatorRoutes(app, deps);
  mountRatingRoutes(app, deps);
  mountMessageRoutes(app, deps);
  mountRentalFilesRoutes(app, deps);
}
