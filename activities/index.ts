/**
 * Registration point: `createActivities(deps)` spreads one factory per area.
 * Workflows type their proxies with `Activities` (import type only).
 */
import type { ActivityDeps } from './deps';
import { createLedgerActivities } from './ledger';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLedgerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
