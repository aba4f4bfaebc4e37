/**
 * Deposit use-cases (SPEC §4), called by the REST routes, the MCP tool `create_deposit` and the
 * operator console. Deposits are found by the watcher workflow (`workflows/deposit/watcher.ts`);
 * here an account gets its stable address and reads what arrived.
 */
import { appError } from '../../domain/errors';
import { fromMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { depositAddressDeriver } from '../../services/tron-address';
import { TronNode } from '../../services/tron-node';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { DepositAddressResult, ListDepositsInput, ListDepositsResult } from '../schemas/deposits';
import {
  depositAddressOf,
  depositsOf,
  insertDepositAddress,
  nextDepositAddressIndex,
  watcherCursor,
} from '../../db/deposits';
import { consoleLink, iso } from './operators';

/** One stable address per account: the derivation index is allocated once and stored. */
export async function getDepositAddress(deps: ApiDeps, principal: Principal): Promise<DepositAddressResult> {
  const derive = depositAddressDeriver(deps.config);
  if (!derive) throw appError('deposits_not_configured');
  const existing = await depositAddressOf(deps.db, principal.accountId);
  let address = existing.rows[0]?.address;
  if (!address) {
    const { rows } = await nextDepositAddressIndex(deps.db);
    // A concurrent first call may win; its row stays and this index is simply never used.
    await insertDepositAddress(deps.db, principal.accountId, rows[0].index, derive(rows[0].index));
    address = (await depositAddressOf(deps.db, principal.accountId)).rows[0].address;
  }
  return { address, network: 'trc20', currency: 'USDT' };
}

export async function listDeposits(
  deps: ApiDeps,
  principal: Principal,
  input: ListDepositsInput,
): Promise<ListDepositsResult> {
  const after = afterKey('deposits', ['time', 'text', 'int'], input.cursor);
  const r = await depositsOf(deps.db, principal.accountId, after, input.offset, input.limit + 1);
  const page = toPage(r.rows, input.limit, 'deposits', (d) => [d.key_time, d.txid, d.log_index]);
  const required = deps.config.TRON_CONFIRMATIONS;
  return {
    deposits: page.items.map((d) => ({
      id: `${d.txid}-${d.log_index}`,
      txid: d.txid,
      log_index: d.log_index,
      address: d.address,
      from_address: d.from_address,
      amount: fromMicro(d.amount),
      currency: 'USDT',
      network: 'trc20',
      block_number: d.block_number,
      confirmations: d.status === 'confirmed' ? Math.max(d.confirmations, required) : d.confirmations,
      required_confirmations: required,
      status: d.status,
      created_at: d.created_at.toISOString(),
      credited_at: d.credited_at?.toISOString() ?? null,
    })),
    limit: input.limit,
    offset: input.offset,
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

/** Where the deposit watcher has scanned to, against the chain head (the operator console). */
export async function depositWatcher(deps: ApiDeps) {
  const watcherId = deps.config.TRON_DEPOSIT_WATCHER_ID;
  const [cursor, head] = await Promise.all([
    watcherCursor(deps.db, watcherId),
    new TronNode(deps.config).nowBlock().then(
      (b) => b.number,
      () => null,
    ),
  ]);
  const next = cursor?.next_block ?? null;
  return {
    watcher_id: watcherId,
    next_block: next,
    head_block: head,
    // The watcher has scanned up to next_block - 1; the head block itself is one to go.
    lag_blocks: next !== null && head !== null ? Math.max(0, head - next + 1) : null,
    cursor_updated_at: iso(cursor?.updated_at ?? null),
    seconds_since_update: cursor
      ? Math.max(0, Math.round((Date.now() - cursor.updated_at.getTime()) / 1000))
      : null,
    temporal_url: consoleLink(deps, watcherId),
  };
}
