/**
 * What the soak proves once the load has stopped and every lifecycle had time to finish: each one
 * ended exactly once with exact arithmetic, and the ledger as a whole is sound. Every violation is
 * counted as lost (money or a lifecycle that never finished) or double-paid.
 */
import pg from 'pg';
import { TronWeb } from 'tronweb';
import { checkOrders, type Tally } from './soak-checks-orders';
import type { Started } from './soak-shared';

export interface Verdict {
  lifecycles: number;
  lost: number;
  doublePaid: number;
  problems: string[];
  /** What the newer lifecycles came to (booked, guarded, streamed, ordered), one line each. */
  figures: string[];
}

type Db = pg.Pool;

/** Still running: a rental not settled, a slot under review, a deposit or withdrawal not final, a delivery not settled. */
export async function unfinished(db: Db, started: Started): Promise<Record<string, number>> {
  const one = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
  const txids = started.deposits.map((d) => d.txid);
  return {
    rentals: await one(`SELECT count(*) AS n FROM rentals WHERE id = ANY($1::uuid[]) AND NOT settled`, [
      started.rentals,
    ]),
    slots: await one(`SELECT count(*) AS n FROM task_acceptances WHERE status IN ('accepted', 'submitted')`),
    deposits:
      txids.length -
      (await one(`SELECT count(*) AS n FROM deposits WHERE txid = ANY($1) AND status <> 'pending'`, [txids])),
    withdrawals: await one(
      `SELECT count(*) AS n FROM withdrawals WHERE status NOT IN ('confirmed', 'rejected', 'failed')`,
    ),
    deliveries: await one(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE state IN ('pending', 'retrying')`,
    ),
    orders: await one(
      `SELECT count(*) AS n FROM service_orders WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'accepted', 'delivered')`,
      [started.orders.map((o) => o.id)],
    ),
  };
}

export async function check(
  db: Db,
  started: Started,
  chain: { url: string; usdt: string },
): Promise<Verdict> {
  const problems: string[] = [];
  let lost = 0;
  let doublePaid = 0;
  const lose = (n: number, what: string) => {
    if (n > 0) problems.push(`lost: ${what} (${n})`);
    lost += n;
  };
  const twice = (n: number, what: string) => {
    if (n > 0) problems.push(`double-paid: ${what} (${n})`);
    doublePaid += n;
  };
  const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await db.query<T>(sql, params)).rows;
  const figures: string[] = [];

  // The ledger: every journal balances, the whole sums to zero, no user balance below zero.
  const [sums] = await rows<{ total: string; unbalanced: string; negative: string }>(
    `SELECT (SELECT COALESCE(sum(balance), 0) FROM ledger_accounts) AS total,
            (SELECT count(*) FROM (SELECT journal_id FROM ledger_entries GROUP BY journal_id HAVING sum(amount) <> 0) j) AS unbalanced,
            (SELECT count(*) FROM ledger_accounts WHERE is_user AND balance < 0) AS negative`,
  );
  lose(Math.abs(Number(sums.total)) > 0 ? 1 : 0, `ledger sums to ${sums.total}, not 0`);
  lose(Number(sums.unbalanced), 'journals whose lines do not sum to zero');
  lose(Number(sums.negative), 'user balances below zero');

  // Rentals: settled once; what left escrow is exactly what went in; the owner got no more than was paid.
  const rentals = await rows<{
    id: string;
    settled: boolean;
    paid_in: string;
    balance: string;
    owner_gross: string;
    refund: string;
  }>(
    `SELECT r.id, r.settled, COALESCE(r.owner_gross, 0) AS owner_gross, COALESCE(r.refund, 0) AS refund,
            COALESCE(a.balance, 0) AS balance,
            COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.ledger_account_id = a.id AND e.amount > 0), 0) AS paid_in
       FROM rentals r
       LEFT JOIN ledger_accounts a ON a.purpose = 'escrow' AND a.subject = 'rental:' || r.id
      WHERE r.id = ANY($1::uuid[])`,
    [started.rentals],
  );
  lose(started.rentals.length - rentals.length, 'rentals started but without a row');
  for (const r of rentals) {
    if (!r.settled) lose(1, `rental ${r.id} not settled`);
    else if (Number(r.balance) !== 0) lose(1, `rental ${r.id} escrow still holds ${r.balance}`);
    const out = Number(r.owner_gross) + Number(r.refund);
    if (r.settled && out > Number(r.paid_in)) twice(1, `rental ${r.id} paid out ${out} of ${r.paid_in}`);
    else if (r.settled && out < Number(r.paid_in)) lose(1, `rental ${r.id} paid out ${out} of ${r.paid_in}`);
  }

  figures.push(...(await checkRentalKinds(db, started, { lose, twice })));

  // Tasks: once closed with no slot in review, the escrow is empty; one payout per approved slot.
  const tasks = await rows<{
    id: string;
    status: string;
    balance: string;
    approved: string;
    payouts: string;
    live: string;
  }>(
    `SELECT t.id, t.status, COALESCE(a.balance, 0) AS balance,
            (SELECT count(*) FROM task_acceptances x WHERE x.task_id = t.id AND x.status = 'approved') AS approved,
            (SELECT count(*) FROM task_acceptances x WHERE x.task_id = t.id AND x.status IN ('accepted', 'submitted')) AS live,
            (SELECT count(*) FROM ledger_journals j WHERE j.kind = 'task_payout' AND j.reference = 'task:' || t.id) AS payouts
       FROM tasks t
       LEFT JOIN ledger_accounts a ON a.purpose = 'escrow' AND a.subject = 'task:' || t.id
      WHERE t.id = ANY($1::uuid[])`,
    [started.tasks],
  );
  lose(started.tasks.length - tasks.length, 'tasks created but without a row');
  for (const t of tasks) {
    if (t.status === 'open') lose(1, `task ${t.id} still open`);
    if (Number(t.live) > 0) lose(1, `task ${t.id} has ${t.live} slots never decided`);
    else if (t.status !== 'open' && Number(t.balance) !== 0)
      lose(1, `task ${t.id} escrow still holds ${t.balance}`);
    if (Number(t.payouts) > Number(t.approved))
      twice(1, `task ${t.id}: ${t.payouts} payouts for ${t.approved} approvals`);
    if (Number(t.payouts) < Number(t.approved))
      lose(1, `task ${t.id}: ${t.payouts} payouts for ${t.approved} approvals`);
  }

  // Deposits: each transfer credited exactly once.
  for (const d of started.deposits) {
    const [row] = await rows<{ status: string; amount: string }>(
      `SELECT status, amount FROM deposits WHERE txid = $1`,
      [d.txid],
    );
    const credits = await rows<{ n: string }>(
      `SELECT count(*) AS n FROM ledger_journals WHERE idempotency_key LIKE 'deposit:' || $1 || ':%'`,
      [d.txid],
    );
    if (!row || row.status !== 'confirmed') lose(1, `deposit ${d.txid} ${row?.status ?? 'never seen'}`);
    else if (Number(credits[0].n) !== 1) lose(1, `deposit ${d.txid} credited ${credits[0].n} times`);
  }

  // Withdrawals: final in the ledger, on chain at most once (each went to an address of its own).
  const reader = new TronWeb({ fullHost: chain.url });
  const usdt = await reader.contract().at(chain.usdt);
  for (const w of started.withdrawals) {
    const [row] = await rows<{ status: string }>(`SELECT status FROM withdrawals WHERE id = $1`, [w.id]);
    const onChain = Number((await usdt.balanceOf(w.address).call()).toString());
    if (!row || !['confirmed', 'rejected', 'failed'].includes(row.status))
      lose(1, `withdrawal ${w.id} ${row?.status}`);
    else if (row.status === 'confirmed' && onChain !== w.net) {
      if (onChain > w.net) twice(1, `withdrawal ${w.id} sent ${onChain} for ${w.net}`);
      else lose(1, `withdrawal ${w.id} confirmed but ${onChain} on chain`);
    } else if (row.status !== 'confirmed' && onChain !== 0)
      twice(1, `withdrawal ${w.id} ${row.status} but ${onChain} sent`);
  }

  figures.push(await checkOrders(db, started, { lose, twice }));

  // Nothing held without a live owner: at the end every hold and escrow is empty.
  const held = await rows<{ subject: string; balance: string }>(
    `SELECT subject, balance FROM ledger_accounts WHERE purpose IN ('held', 'escrow') AND balance <> 0`,
  );
  for (const h of held) {
    const taskOpen =
      h.subject.startsWith('task:') &&
      (await rows(`SELECT 1 FROM tasks WHERE id::text = $1 AND status = 'open'`, [h.subject.slice(5)]))
        .length > 0;
    if (!taskOpen) lose(1, `${h.subject} still holds ${h.balance}`);
  }

  // Webhooks: every delivery delivered, dead-lettered (failed) or skipped.
  const deliveries = await rows<{ state: string; n: string }>(
    `SELECT state, count(*) AS n FROM webhook_deliveries GROUP BY state`,
  );
  const byState = Object.fromEntries(deliveries.map((d) => [d.state, Number(d.n)]));
  lose((byState.pending ?? 0) + (byState.retrying ?? 0), 'webhook deliveries never settled');
  // Name each unsettled delivery, so a loss says which event, in which chain, stopped where.
  const stuck = await rows<Record<string, unknown>>(
    `SELECT d.id, d.event, d.subject, d.state, d.attempt_count, d.next_attempt_at, d.last_status, d.last_error,
            d.created_at, d.previous_id, p.state AS previous_state
       FROM webhook_deliveries d LEFT JOIN webhook_deliveries p ON p.id = d.previous_id
      WHERE d.state IN ('pending', 'retrying') ORDER BY d.seq LIMIT 20`,
  );
  for (const d of stuck) problems.push(`unsettled delivery ${JSON.stringify(d)}`);
  const deliveryCount = deliveries.reduce((s, d) => s + Number(d.n), 0);

  return {
    lifecycles:
      started.rentals.length +
      started.tasks.length +
      started.deposits.length +
      started.withdrawals.length +
      started.orders.length +
      started.streams.ok +
      deliveryCount,
    lost,
    doublePaid,
    problems,
    figures,
  };
}

/**
 * Rentals beyond "start now": each reply of an agent stored at most once (every reply the soak's
 * agent sends, streamed or not, is unique); a booking cancelled before its start refunded whole,
 * through `rental-cancel:<id>` and never also settled; a guarded rental whose renter message was
 * stored ended for silence. Money in and out of each escrow is checked with every rental above.
 */
async function checkRentalKinds(db: pg.Pool, started: Started, tally: Tally): Promise<string[]> {
  const { lose, twice } = tally;
  const replies = await db.query<{ rental_id: string; n: string }>(
    `SELECT m.rental_id, count(*) AS n FROM rental_messages m JOIN rentals r ON r.id = m.rental_id
      WHERE r.id = ANY($1::uuid[]) AND m.sender_id = r.agent_id
      GROUP BY m.rental_id, m.content HAVING count(*) > 1`,
    [started.rentals],
  );
  for (const r of replies.rows) twice(1, `rental ${r.rental_id}: one agent reply stored ${r.n} times`);
  const stored = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM rental_messages m JOIN rentals r ON r.id = m.rental_id
      WHERE r.id = ANY($1::uuid[]) AND m.sender_id = r.agent_id`,
    [started.rentals],
  );

  const closings = await db.query<{ id: string; cancels: string; settlements: string }>(
    `SELECT r.id,
            (SELECT count(*) FROM ledger_journals j WHERE j.idempotency_key = 'rental-cancel:' || r.id) AS cancels,
            (SELECT count(*) FROM ledger_journals j WHERE j.idempotency_key = 'rental-settlement:' || r.id) AS settlements
       FROM rentals r WHERE r.id = ANY($1::uuid[])`,
    [started.booked.map((b) => b.id)],
  );
  const closing = new Map(closings.rows.map((r) => [r.id, r]));
  const cancelled = started.booked.filter((b) => b.cancelled);
  for (const b of started.booked) {
    const c = closing.get(b.id);
    if (!c) continue; // counted with every rental above
    if (Number(c.cancels) > 0 && Number(c.settlements) > 0)
      twice(1, `booking ${b.id} cancelled and also settled`);
    if (b.cancelled && Number(c.cancels) === 0) lose(1, `booking ${b.id} cancelled without its refund`);
  }
  const cancelledRows = await db.query<{ id: string; owner_gross: string; billed: string }>(
    `SELECT id, COALESCE(owner_gross, 0) AS owner_gross, COALESCE(billed_minutes, -1) AS billed
       FROM rentals WHERE id = ANY($1::uuid[])`,
    [cancelled.map((b) => b.id)],
  );
  for (const r of cancelledRows.rows)
    if (Number(r.owner_gross) !== 0 || Number(r.billed) !== 0)
      twice(1, `booking ${r.id} cancelled before its start but billed ${r.billed} minutes`);

  const messaged = started.guarded.filter((g) => g.messaged).map((g) => g.id);
  const guards = await db.query<{
    id: string;
    settled: boolean;
    ended_reason: string | null;
    ended_by: string | null;
  }>(`SELECT id, settled, ended_reason, ended_by FROM rentals WHERE id = ANY($1::uuid[])`, [messaged]);
  let silent = 0;
  for (const g of guards.rows) {
    if (g.ended_reason === 'agent_silent' && g.ended_by === 'clock') silent++;
    else if (g.settled)
      lose(1, `guarded rental ${g.id} ended ${g.ended_by}/${g.ended_reason}, not for silence`);
  }

  const { ok, failed } = started.streams;
  return [
    `booked ahead: ${started.booked.length} (${cancelled.length} cancelled before the start)`,
    `silence guard: ${started.guarded.length} rentals, ${messaged.length} left unanswered, ${silent} ended for silence`,
    `streamed chats: ${ok} reached done, ${failed} not; agent replies stored ${stored.rows[0].n}, ${replies.rows.length} of them twice`,
  ];
}
