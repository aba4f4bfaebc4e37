/** The `deliverRentalEvent` activity: routing is in services/rental-events.ts (the API uses it too). */
import type { ActivityDeps } from './deps';
import {
  deliverRentalEvent,
  type DeliverRentalEventInput,
  type RentalEventRoute,
} from '../services/rental-events';

export type { DeliverRentalEventInput, RentalEventRoute };

export function createRentalEventActivities(deps: ActivityDeps) {
  return {
    async deliverRentalEvent(input: DeliverRentalEventInput): Promise<RentalEventRoute> {
      return deliverRentalEvent(deps, input);
    },
  };
}
