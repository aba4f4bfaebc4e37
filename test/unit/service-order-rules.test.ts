/**
 * Who may do what to a service order (domain/service-orders.ts, domain/rating-permissions.ts) and
 * when (workflows/service-order/state.ts): each rule answers null or the code of its refusal, the
 * same for REST, MCP and the workflow's update validators.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { mayRateServiceOrder } from '../../domain/rating-permissions';
import {
  mayActAsBuyer,
  mayActAsSeller,
  mayListService,
  mayOrderService,
  mayUploadOrderFile,
  SERVICE_LIMITS,
  SERVICE_ORDER_DEADLINE_DEFAULTS,
} from '../../domain/service-orders';
import { ServiceOrder } from '../../workflows/service-order/state';

const HOUR = 3600_000;
const input = {
  orderId: 'o',
  serviceId: 's',
  buyerId: 'buyer',
  sellerId: 'seller',
  title: 'Logo',
  brief: 'blue',
  price: 2_000_000,
  deliveryHours: 10,
};
/** The code a validator refuses with, or null when it lets the step through. */
function refusal(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    const failure = err as ApplicationFailure;
    return ((failure.details?.[0] as { code?: string } | undefined)?.code ?? failure.type) as string;
  }
}

describe('service order permissions', () => {
  it('lets only bots list services, and no bot order its own', () => {
    expect([mayListService({ isBot: true }), mayListService({ isBot: false })]).toEqual([
      null,
      'service_not_a_bot',
    ]);
    expect([mayOrderService({ sellerId: 'b' }, 'a'), mayOrderService({ sellerId: 'b' }, 'b')]).toEqual([
      null,
      'service_order_own',
    ]);
  });

  it('splits the steps between seller and buyer', () => {
    expect(mayActAsSeller(input, 'seller')).toBeNull();
    expect(mayActAsSeller(input, 'buyer')).toBe('service_order_not_seller');
    expect(mayActAsBuyer(input, 'buyer')).toBeNull();
    expect(mayActAsBuyer(input, 'seller')).toBe('service_order_not_buyer');
  });

  it('lets only the buyer rate, and only a completed order', () => {
    expect(mayRateServiceOrder({ buyerId: 'buyer', status: 'completed' }, 'buyer')).toBeNull();
    expect(mayRateServiceOrder({ buyerId: 'buyer', status: 'completed' }, 'seller')).toBe(
      'service_order_not_buyer',
    );
    expect(mayRateServiceOrder({ buyerId: 'buyer', status: 'delivered' }, 'buyer')).toBe(
      'rating_service_order_not_completed',
    );
  });
});

describe('service order files', () => {
  it('lets only the seller upload, and only while the order is accepted', () => {
    const order = (status: 'pending' | 'accepted' | 'delivered' | 'completed') => ({
      seller_id: 'seller',
      status,
    });
    expect(mayUploadOrderFile(order('accepted'), 'seller')).toBeNull();
    expect(mayUploadOrderFile(order('accepted'), 'buyer')).toBe('service_order_not_seller');
    for (const status of ['pending', 'delivered', 'completed'] as const)
      expect([status, mayUploadOrderFile(order(status), 'seller')]).toEqual([
        status,
        'service_order_files_closed',
      ]);
  });
});

describe('service order state', () => {
  const buyer = { actorId: 'buyer' };
  const seller = { actorId: 'seller' };

  it('lets the buyer cancel a pending order at once, an accepted one only from deliver_by on', () => {
    const order = new ServiceOrder(input, 0);
    expect(refusal(() => order.validateCancel(buyer, 0))).toBeNull();
    order.accept(1);
    expect(refusal(() => order.validateCancel(buyer, 10 * HOUR - 1))).toBe('service_order_not_overdue');
    expect(refusal(() => order.validateCancel(buyer, 10 * HOUR))).toBeNull();
  });

  it('gives a revision a full delivery period from its own time', () => {
    const order = new ServiceOrder(input, 0);
    order.accept(1);
    order.deliver({ ...seller, message: 'v1' }, 2 * HOUR);
    order.requestRevision({ ...buyer, reason: 'red' }, 20 * HOUR);
    expect(order.deliverBy).toBe(30 * HOUR);
    expect(order.status).toBe('accepted');
  });

  it(`refuses revision number ${SERVICE_LIMITS.maxRevisions + 1}`, () => {
    const order = new ServiceOrder(input, 0);
    order.accept(1);
    for (let i = 0; i < SERVICE_LIMITS.maxRevisions; i++) {
      order.deliver({ ...seller, message: 'v' }, 2);
      expect(refusal(() => order.validateRevision({ ...buyer, reason: 'again' }))).toBeNull();
      order.requestRevision({ ...buyer, reason: 'again' }, 3);
    }
    order.deliver({ ...seller, message: 'v' }, 4);
    expect(refusal(() => order.validateRevision({ ...buyer, reason: 'again' }))).toBe(
      'service_order_revisions_used',
    );
  });

  it('owes the payout of a completed order and the refund of a declined or cancelled one, once', () => {
    const done = new ServiceOrder(input, 0);
    done.accept(1);
    done.deliver({ ...seller, message: 'v' }, 2);
    done.autoApprove();
    expect([done.status, done.decision, done.owes()]).toEqual(['completed', 'auto_approved', 'payout']);
    done.paid({ net: 1_800_000, fee: 200_000 });
    expect(done.owes()).toBeNull();
    const declined = new ServiceOrder(input, 0);
    declined.decline(1);
    expect(declined.owes()).toBe('refund');
    declined.refundedAll(input.price);
    expect(declined.owes()).toBeNull();
  });
});

describe('service order deadlines', () => {
  const seller = { actorId: 'seller' };
  const windows = { ...input, acceptWindowMs: 5 * HOUR, overdueGraceMs: 7 * HOUR };

  it('expires a pending order at accept_by, dated then, owing the buyer a full refund', () => {
    const order = new ServiceOrder(windows, 100, true);
    expect(order.deadline()).toBe(100 + 5 * HOUR);
    order.deadlinePassed();
    expect([order.status, order.closedAt, order.closedByDeadline, order.owes()]).toEqual([
      'expired',
      100 + 5 * HOUR,
      true,
      'refund',
    ]);
    expect(order.final).toBe(true);
  });

  it('cancels an accepted order the grace after deliver_by, owing the buyer a full refund', () => {
    const order = new ServiceOrder(windows, 0, true);
    order.accept(1);
    expect(order.deadline()).toBe(10 * HOUR + 7 * HOUR);
    order.deadlinePassed();
    expect([order.status, order.closedAt, order.closedByDeadline, order.owes()]).toEqual([
      'cancelled',
      17 * HOUR,
      true,
      'refund',
    ]);
  });

  it('moves the overdue deadline with a revision’s new deliver_by', () => {
    const order = new ServiceOrder(windows, 0, true);
    order.accept(1);
    order.deliver({ ...seller, message: 'v1' }, 2 * HOUR);
    expect(order.deadline()).toBe(order.reviewDeadline);
    order.requestRevision({ actorId: 'buyer', reason: 'red' }, 20 * HOUR);
    expect(order.deadline()).toBe(30 * HOUR + 7 * HOUR);
  });

  it('approves a delivery when its review deadline passes, as before', () => {
    const order = new ServiceOrder(windows, 0, true);
    order.accept(1);
    order.deliver({ ...seller, message: 'v1' }, 2 * HOUR);
    order.deadlinePassed();
    expect([order.status, order.decision, order.closedByDeadline, order.owes()]).toEqual([
      'completed',
      'auto_approved',
      false,
      'payout',
    ]);
  });

  it('uses the default windows when the input names none', () => {
    const order = new ServiceOrder(input, 0, true);
    expect(order.acceptBy).toBe(SERVICE_ORDER_DEADLINE_DEFAULTS.acceptHours * HOUR);
    order.accept(1);
    expect(order.deadline()).toBe(10 * HOUR + SERVICE_ORDER_DEADLINE_DEFAULTS.overdueGraceHours * HOUR);
  });

  it('waits for ever while pending or accepted in an order recorded before the deadlines', () => {
    const order = new ServiceOrder(windows, 0, false);
    expect([order.acceptBy, order.deadline()]).toEqual([null, null]);
    order.accept(1);
    expect(order.deadline()).toBeNull();
    order.deliver({ ...seller, message: 'v1' }, 2 * HOUR);
    expect(order.deadline()).toBe(order.reviewDeadline);
  });

  it('has no deadline once final', () => {
    const order = new ServiceOrder(windows, 0, true);
    order.decline(1);
    expect(order.deadline()).toBeNull();
    expect(() => order.deadlinePassed()).toThrow('has no deadline');
  });
});
