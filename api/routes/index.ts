/**
 * Registration point: one `mount<Area>Routes(app, deps)` per area, in this order.
 * (Append-only while several people work in parallel; see docs/TEAM.md.)
 */
import type { Express } from 'express';
import type { ApiDeps } from '../deps';
import { mountHealthRoutes } from './health';

export function mountRoutes(app: Express, deps: ApiDeps): void {
  mountHealthRoutes(app, deps);
}
