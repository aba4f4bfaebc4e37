/** Workflow bundle of `npm run bench:webhooks`: the real delivery workflow plus the trivial baseline. */
import { proxyActivities } from '@temporalio/workflow';

export * from '../workflows/webhook-delivery/workflow';

const { benchNoop } = proxyActivities<{ benchNoop(): Promise<void> }>({ startToCloseTimeout: '10s' });

/** The baseline: start → one no-op activity → complete. */
export async function benchTrivialWorkflow(): Promise<void> {
  await benchNoop();
}
