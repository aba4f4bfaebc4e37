/**
 * The worker's business counters. Each is incremented where its event happens, after the side
 * effect committed and only when it was new (a replayed idempotency key or a retried activity
 * counts nothing). Registered in the worker's registry by worker/metrics.ts.
 */
import client from 'prom-client';
import { onJournalPosted } from '../db/ledger';

export const depositsCredited = new client.Counter({
  name: 'agentrent_deposits_credited_total',
  help: 'USDT deposits credited to an account (one per deposit journal)',
  registers: [],
});

export const depositsCreditedMicro = new client.Counter({
  name: 'agentrent_deposits_credited_micro_usdt_total',
  help: 'Sum of credited USDT deposits, micro-USDT',
  registers: [],
});

export const webhookDeliveries = new client.Counter({
  name: 'agentrent_webhook_deliveries_total',
  help: 'Recorded webhook delivery attempts by outcome: delivered, retried (a failed attempt with another to come) or dead_lettered (the last attempt failed)',
  labelNames: ['outcome'] as const,
  registers: [],
});

export const ledgerPostings = new client.Counter({
  name: 'agentrent_ledger_postings_total',
  help: 'Ledger journals posted by this worker, by kind (a replayed idempotency key is not counted)',
  labelNames: ['kind'] as const,
  registers: [],
});

export const reconcilerRepairs = new client.Counter({
  name: 'agentrent_reconciler_repairs_total',
  help: 'Ownerless held or escrow balances the reconciler returned to their owner',
  registers: [],
});

export const reconcilerRepairedMicro = new client.Counter({
  name: 'agentrent_reconciler_repaired_micro_usdt_total',
  help: 'Sum of the balances the reconciler returned, micro-USDT',
  registers: [],
});

export const BUSINESS_COUNTERS: ReadonlyArray<client.Metric<string>> = [
  depositsCredited,
  depositsCreditedMicro,
  webhookDeliveries,
  ledgerPostings,
  reconcilerRepairs,
  reconcilerRepairedMicro,
];

let countingPostings = false;

/** Counts every newly inserted journal of this process after its transaction committed (once per process). */
export function countLedgerPostings(): void {
  if (countingPostings) return;
  countingPostings = true;
  onJournalPosted((posting) => ledgerPostings.inc({ kind: posting.kind }));
}

/** A recorded attempt's state as a counter outcome. */
export function countWebhookAttempt(state: 'delivered' | 'failed' | 'retrying'): void {
  webhookDeliveries.inc({
    outcome: state === 'delivered' ? 'delivered' : state === 'retrying' ? 'retried' : 'dead_lettered',
  });
}
