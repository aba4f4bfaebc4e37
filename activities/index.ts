/**
 * Registration point: `createActivities(deps)` spreads one factory per area.
 * Workflows type their proxies with `Activities` (import type only).
 */
import { createAgentHealthActivities } from './agent-health';
import { createAgentProxyActivities } from './agent-proxy';
import type { ActivityDeps } from './deps';
import { createHoldActivities } from './holds';
import { createLedgerActivities } from './ledger';
import { createMaintenanceActivities } from './maintenance';
import { createReconcilerActivities } from './reconciler';
import { createRentalActivities } from './rentals';
import { createTaskActivities } from './tasks';
import { createTronActivities } from './tron';
import { createWebhookActivities } from './webhooks';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAgentHealthActivities(deps),
    ...createAgentProxyActivities(deps),
    ...createHoldActivities(deps),
    ...createLedgerActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createReconcilerActivities(deps),
    ...createRentalActivities(deps),
    ...createTaskActivities(deps),
    ...createTronActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
