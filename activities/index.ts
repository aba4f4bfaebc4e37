/**
 * Registration point: `createActivities(deps)` spreads one factory per area.
 * Workflows type their proxies with `Activities` (import type only).
 */
import { createAgentHealthActivities } from './agent-health';
import { createAgentProxyActivities } from './chat';
import type { ActivityDeps } from './deps';
import { withFailureClassification } from './failures';
import { createHoldActivities } from './rental-hold';
import { createDepositActivities } from './deposits';
import { createLedgerActivities } from './ledger';
import { createMaintenanceActivities } from './maintenance';
import { createOperatorAlertActivities } from './operator-alerts';
import { createReconcilerActivities } from './reconciler';
import { createRentalEventActivities } from './rental-events';
import { createRentalHealthActivities } from './rental-health';
import { createRentalActivities } from './rentals';
import { createServiceOrderActivities } from './service-orders';
import { createTaskCloseActivities } from './task-close';
import { createTaskEscrowActivities } from './task-escrow';
import { createTaskExpiryActivities } from './task-expiry';
import { createTaskActivities } from './tasks';
import { createWebhookActivities } from './webhooks';
import { createWithdrawalActivities } from './withdrawals';

/** Every activity's errors are sorted into permanent and transient once, here (see failures.ts). */
export function createActivities(deps: ActivityDeps) {
  return withFailureClassification({
    ...createAgentHealthActivities(deps),
    ...createAgentProxyActivities(deps),
    ...createHoldActivities(deps),
    ...createLedgerActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createOperatorAlertActivities(deps),
    ...createReconcilerActivities(deps),
    ...createRentalActivities(deps),
    ...createTaskActivities(deps),
    ...createDepositActivities(deps),
    ...createWithdrawalActivities(deps),
    ...createWebhookActivities(deps),
    ...createRentalEventActivities(deps),
    ...createRentalHealthActivities(deps),
    ...createTaskCloseActivities(deps),
    ...createTaskEscrowActivities(deps),
    ...createTaskExpiryActivities(deps),
    ...createServiceOrderActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
