/**
 * Workflow bundle of `npm run bench:rentals`: the platform's workflows plus the fair baseline of
 * (a), the least a held, owned start can cost on this engine: update-with-start, one local activity
 * doing one Postgres transaction, the update answered when it is done, the run then waiting (as a
 * rental waits for its clock).
 */
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export * from '../workflows';

export const benchHeldUpdate = defineUpdate<void>('benchHeld');

const { benchHold } = proxyLocalActivities<{ benchHold(id: string): Promise<void> }>({
  startToCloseTimeout: '15 seconds',
});

export async function benchHeldStart(id: string): Promise<void> {
  let held = false;
  setHandler(benchHeldUpdate, async () => {
    await condition(() => held);
  });
  await benchHold(id);
  held = true;
  await condition(() => false, '60 minutes');
}
