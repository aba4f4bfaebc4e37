/**
 * One owner for every hold (docs/WORKFLOWS.md "Ledger" → "Who owns held money"). Money enters a `held` or
 * `escrow` ledger account only from inside the workflow that owns it, and the owner is named by the
 * account's subject: `rental:<id>` → `rental-<id>`, `task:<id>` → `task-<id>`,
 * `withdrawal:<id>` → `withdrawal-<id>`,
 * `service_order:<id>` → `service-order-<id>`. The reconciler uses the same map to find balances whose
 * owner is closed or missing.
 */
import type { LedgerPurpose } from './ledger';

export const HOLD_PURPOSES: readonly LedgerPurpose[] = ['held', 'escrow'];

const OWNER_PREFIXES = {
  rental: 'rental-',
  task: 'task-',
  withdrawal: 'withdrawal-',
  service_order: 'service-order-',
} as const;
export type HoldKind = keyof typeof OWNER_PREFIXES;

export interface HoldOwner {
  kind: HoldKind;
  /** The business id (the part of the subject after the colon). */
  id: string;
  workflowId: string;
}

/** The workflow that owns a held/escrow account with this subject; undefined for an unknown subject. */
export function holdOwnerOf(subject: string): HoldOwner | undefined {
  const colon = subject.indexOf(':');
  if (colon < 0) return undefined;
  const kind = subject.slice(0, colon);
  const id = subject.slice(colon + 1);
  if (!id || !Object.prototype.hasOwnProperty.call(OWNER_PREFIXES, kind)) return undefined;
  const k = kind as HoldKind;
  return { kind: k, id, workflowId: `${OWNER_PREFIXES[k]}${id}` };
}

/** The repair of one ownerless balance posts under this key: a second run (or a race) moves nothing. */
export const holdRepairKey = (ledgerAccountId: number, balance: number) =>
  `hold-repair:${ledgerAccountId}:${balance}`;
