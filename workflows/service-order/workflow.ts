/**
 * One service order and the owner of its escrow (`service-order-<id>`), from the order until the
 * price is paid out or refunded — a task in reverse (the buyer names the work, the bot does it):
 *
 *   pending ──accept──> accepted ──deliver──> delivered ──approve──────────────> completed (paid once)
 *     │                   │  ^                   │ └──(review window ends: timer)──> completed (auto)
 *     │                   │  └────revision───────┘ (at most SERVICE_LIMITS.maxRevisions)
 *     │                   └──(deliver_by + grace: timer)──> cancelled (refunded once)
 *     ├──(accept window ends: timer)──> expired (refunded once)
 *     ├──decline──> declined (refunded once)
 *     └──cancel (buyer)──> cancelled (refunded once); an accepted order only past deliver_by
 *
 * Every wait is a durable timer (`ServiceOrder.deadline()`): nothing holds the escrow for ever on
 * a party that never acts. The pending and overdue timers are behind the `service-order-deadlines`
 * patch: an order recorded before it replays waiting only for its review window.
 *
 * Its first step (update-with-start `serviceOrderOpened`) writes the row and posts the escrow in
 * one transaction — 402 when short, with nothing written. Updates only change the state here
 * (their validators refuse what is not allowed, so concurrent ones cannot both win); the main
 * loop records each snapshot, moves the money of a final state and tells the other party, and an
 * update answers once its transition is recorded.
 */
import {
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { createLedgerActivities } from '../../activities/ledger';
import type { createRentalEventActivities } from '../../activities/rental-events';
import type { createServiceOrderActivities } from '../../activities/service-orders';
import { fromMicro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import {
  serviceOrderEscrowAccount,
  serviceOrderEventPayload,
  serviceOrderPayoutKey,
  serviceOrderSubject,
} from '../../domain/service-orders';
import { retryTransient } from '../failures';
import {
  acceptServiceOrderUpdate,
  approveServiceOrderUpdate,
  cancelServiceOrderUpdate,
  declineServiceOrderUpdate,
  deliverServiceOrderUpdate,
  requestRevisionUpdate,
  type ServiceOrderInput,
  serviceOrderOpenedUpdate,
  type ServiceOrderState,
  serviceOrderStateQuery,
  serviceOrderSummary,
} from './contract';
import { ServiceOrder } from './state';

type OrderActivities = ReturnType<typeof createServiceOrderActivities>;
type LedgerActivities = ReturnType<typeof createLedgerActivities>;
type EventActivities = ReturnType<typeof createRentalEventActivities>;

const POSTGRES_BACKOFF = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;
// Keyed postings and whole-state writes: retry until Postgres answers, nothing repeats.
const untilPostgresAnswers = { startToCloseTimeout: '30s', retry: retryTransient(POSTGRES_BACKOFF) } as const;
const act = proxyActivities<OrderActivities>(untilPostgresAnswers);
const ledger = proxyActivities<LedgerActivities>(untilPostgresAnswers);
// The first step runs in the first workflow task, so the API's update answers without a round trip.
const local = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  retry: retryTransient(POSTGRES_BACKOFF),
});
// A keyed enqueue that must never hold up the money: it gives up after ten tries.
const events = proxyActivities<EventActivities>({
  startToCloseTimeout: '30s',
  retry: retryTransient({ ...POSTGRES_BACKOFF, maximumAttempts: 10 }),
});

const iso = (ms: number) => new Date(ms).toISOString();

export async function serviceOrderWorkflow(input: ServiceOrderInput): Promise<ServiceOrderState> {
  // Decided once, in the first workflow task: an order either has its deadlines or never had them.
  const order = new ServiceOrder(input, Date.now(), patched('service-order-deadlines'));
  /** Answers an update once the transition it made (and its money) is recorded. */
  const recorded = async (): Promise<ServiceOrderState> => {
    const version = order.version;
    await condition(() => order.applied >= version);
    return order.view();
  };

  setHandler(serviceOrderStateQuery, () => order.view());
  setHandler(serviceOrderOpenedUpdate, async () => {
    await condition(() => order.opened !== undefined);
    return order.openedOutcome();
  });
  setHandler(
    acceptServiceOrderUpdate,
    () => {
      order.accept(Date.now());
      return recorded();
    },
    { validator: (a) => order.validateAccept(a) },
  );
  setHandler(
    declineServiceOrderUpdate,
    () => {
      order.decline(Date.now());
      return recorded();
    },
    { validator: (a) => order.validateDecline(a) },
  );
  setHandler(
    deliverServiceOrderUpdate,
    (d) => {
      order.deliver(d, Date.now());
      return recorded();
    },
    { validator: (d) => order.validateDeliver(d) },
  );
  setHandler(
    approveServiceOrderUpdate,
    () => {
      order.approve(Date.now());
      return recorded();
    },
    { validator: (a) => order.validateApprove(a) },
  );
  setHandler(
    requestRevisionUpdate,
    (r) => {
      order.requestRevision(r, Date.now());
      return recorded();
    },
    { validator: (r) => order.validateRevision(r) },
  );
  setHandler(
    cancelServiceOrderUpdate,
    () => {
      order.cancel(Date.now());
      return recorded();
    },
    { validator: (a) => order.validateCancel(a, Date.now()) },
  );

  // 1. The row and the escrow, together; a short balance ends here with nothing held.
  try {
    await local.openServiceOrder({
      orderId: input.orderId,
      serviceId: input.serviceId,
      buyerId: input.buyerId,
      sellerId: input.sellerId,
      title: input.title,
      brief: input.brief,
      price: input.price,
      deliveryHours: input.deliveryHours,
      deliverBy: iso(order.deliverBy),
      acceptBy: order.acceptBy === null ? null : iso(order.acceptBy),
    });
    order.openSucceeded();
  } catch (err) {
    return await order.endUnopened(err);
  }
  const told: Promise<void>[] = [tell(order)];

  // 2. Each transition: record it, move the money of a final state, tell the parties. Each state
  //    waits for a step or its deadline (a durable timer), whichever comes first:
  //      pending   → acceptBy             → expired, refunded
  //      accepted  → deliverBy + grace    → cancelled, refunded
  //      delivered → the review deadline  → completed (auto_approved), paid
  for (;;) {
    const deadline = order.deadline();
    const changed =
      deadline === null
        ? (await condition(() => order.version !== order.applied), true)
        : await condition(() => order.version !== order.applied, Math.max(1, deadline - Date.now()));
    // The timer and a step in the same workflow task: the step (already taken) stands. Any step,
    // not only one that left the status: a revision and a new delivery in that task end in
    // `delivered` again, and that delivery's review window has only begun.
    if (!changed && order.version === order.applied) order.deadlinePassed();
    const version = order.version;
    const owed = order.owes();
    if (owed === 'payout') {
      order.paid(
        await ledger.payEarner({
          idempotencyKey: serviceOrderPayoutKey(input.orderId),
          kind: 'service_order_payout',
          reference: serviceOrderSubject(input.orderId),
          from: serviceOrderEscrowAccount(input),
          earnerId: input.sellerId,
          gross: input.price,
        }),
      );
    } else if (owed === 'refund') {
      order.refundedAll(await act.refundServiceOrder(input));
    }
    // Versioned: a timed-out attempt that runs late cannot put an older state back.
    await act.recordServiceOrder({ ...order.record(), stateVersion: order.version });
    show(order);
    order.applied = version;
    told.push(tell(order));
    // Final only once what was recorded is the latest: a step taken while this one was being
    // recorded (an approval during the delivery's write) still owes its money and its record.
    if (order.final && order.applied === order.version) break;
  }
  await Promise.all(told);
  await condition(allHandlersFinished);
  return order.view();
}

/** The status and the amounts, for the Temporal UI (search attribute and memo). */
function show(order: ServiceOrder): void {
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: order.status }]);
  const amounts = order.payout
    ? `; paid ${fromMicro(order.payout.net)} USDT to the seller, fee ${fromMicro(order.payout.fee)} USDT`
    : order.refunded !== null
      ? `; refunded ${fromMicro(order.refunded)} USDT to the buyer`
      : '';
  upsertMemo({ summary: `${serviceOrderSummary(order.input)} — ${order.status}${amounts}` });
}

type Party = 'buyer' | 'seller';
/** Who hears about each status, and what (a deadline's step: both parties, see `news`). */
const NEWS: Record<ServiceOrder['status'], { to: Party[]; title: string } | undefined> = {
  pending: { to: ['seller'], title: 'New service order' },
  accepted: undefined,
  delivered: { to: ['buyer'], title: 'Your order was delivered' },
  completed: { to: ['seller'], title: 'Service order completed' },
  declined: { to: ['buyer'], title: 'Your order was declined' },
  cancelled: { to: ['seller'], title: 'Service order cancelled' },
  expired: { to: ['buyer', 'seller'], title: 'Service order expired: not accepted in time' },
};

function news(order: ServiceOrder): { to: Party[]; title: string } | undefined {
  if (order.status === 'accepted' && order.revisions > 0)
    return { to: ['seller'], title: 'Revision requested' };
  if (order.status === 'cancelled' && order.closedByDeadline)
    return { to: ['buyer', 'seller'], title: 'Service order cancelled: not delivered in time' };
  return NEWS[order.status];
}

/**
 * A `service_order` event to each party that must act or be told (webhook for an events bot, a
 * notification otherwise), keyed by the order, the transition (and the party, when both are
 * told). It may give up: never blocks the order.
 */
async function tell(order: ServiceOrder): Promise<void> {
  const told = news(order);
  if (!told) return;
  await Promise.all(
    told.to.map((party) => tellOne(order, party, told.title, told.to.length > 1 ? `:${party}` : '')),
  );
}

async function tellOne(order: ServiceOrder, party: Party, title: string, keySuffix: string): Promise<void> {
  const { input } = order;
  const revision = order.status === 'accepted' && order.revisions > 0;
  const to = party === 'seller' ? input.sellerId : input.buyerId;
  const at = new Date().toISOString();
  const view = order.view();
  try {
    await events.deliverRentalEvent({
      eventKey: `service_order:${input.orderId}:${order.version}${keySuffix}`,
      accountId: to,
      policy: 'agent-events',
      event: 'service_order',
      subject: serviceOrderSubject(input.orderId),
      notifyIfPolling: true,
      payload: serviceOrderEventPayload({
        eventId: uuid4(),
        to,
        orderId: input.orderId,
        status: order.status,
        title,
        body: `"${input.title.slice(0, 80)}" — ${fromMicro(input.price)} USDT`,
        details: {
          service_id: input.serviceId,
          buyer_id: input.buyerId,
          seller_id: input.sellerId,
          price: fromMicro(input.price),
          ...(order.status === 'pending' ? { brief: input.brief, accept_by: view.acceptBy } : {}),
          ...(revision ? { reason: view.revisionReason } : {}),
          ...(order.status === 'delivered'
            ? { message: view.deliveryMessage, review_deadline: view.reviewDeadline }
            : {}),
          deliver_by: view.deliverBy,
          ...(order.closedByDeadline && order.refunded !== null
            ? { refunded: fromMicro(order.refunded) }
            : {}),
        },
        at,
      }),
    });
  } catch (err) {
    log.warn('service_order event not delivered', { orderId: input.orderId, error: String(err) });
  }
}
