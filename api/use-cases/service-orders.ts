/**
 * Service orders (issue 23.1, SPEC §5), shared by the REST routes and the MCP tools: a bot lists
 * fixed-price services; a buyer orders one and the price moves into escrow owned by the order's
 * `service-order-<id>` workflow, which takes every later step (accept, decline, deliver, approve,
 * revision, cancel) as an update and answers once it is recorded.
 */
import { untilProcessed } from '../workflow-updates';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AppError, appError, conflict, ErrorCode, notFound, refuseIf } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { fromMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import {
  isOrderParty,
  mayListService,
  mayOrderService,
  SERVICE_LIMITS,
  SERVICE_ORDER_FINAL,
  type ServiceOrderRow,
  type ServiceRow,
} from '../../domain/service-orders';
import {
  countServicesOf,
  findService,
  findServiceOrder,
  insertService,
  pendingOrdersOfSeller,
  serviceOrdersOf,
  servicesOf,
} from '../../db/service-orders';
import {
  countOrderFiles,
  markOrderFilesDelivered,
  unmarkOrderFilesDelivered,
} from '../../db/service-order-files';
import {
  acceptServiceOrderUpdate,
  approveServiceOrderUpdate,
  cancelServiceOrderUpdate,
  declineServiceOrderUpdate,
  deliverServiceOrderUpdate,
  requestRevisionUpdate,
  SERVICE_ORDER_WORKFLOW_TYPE,
  type ServiceOrderInput,
  serviceOrderOpenedUpdate,
  serviceOrderStartOptions,
  type ServiceOrderWorkflow,
  serviceOrderWorkflowId,
} from '../../workflows/service-order/contract';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import type {
  CreateServiceInput,
  CreateServiceOrderInput,
  DeliverServiceOrderInput,
  RevisionInput,
  ServiceOrderView,
  ServiceView,
} from '../schemas/service-orders';

const HOUR_MS = 3600_000;
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const usdOrNull = (m: number | null) => (m === null ? null : fromMicro(m));

export const toServiceView = (s: ServiceRow): ServiceView => ({
  id: s.id,
  seller_id: s.seller_id,
  title: s.title,
  description: s.description,
  price: fromMicro(s.price),
  delivery_hours: s.delivery_hours,
  created_at: s.created_at.toISOString(),
});

export const toServiceOrderView = (o: ServiceOrderRow): ServiceOrderView => ({
  id: o.id,
  service_id: o.service_id,
  buyer_id: o.buyer_id,
  seller_id: o.seller_id,
  title: o.title,
  brief: o.brief,
  price: fromMicro(o.price),
  delivery_hours: o.delivery_hours,
  status: o.status,
  created_at: o.created_at.toISOString(),
  accept_by: isoOrNull(o.accept_by),
  accepted_at: isoOrNull(o.accepted_at),
  deliver_by: isoOrNull(o.deliver_by),
  delivered_at: isoOrNull(o.delivered_at),
  delivery_message: o.delivery_message,
  review_deadline: isoOrNull(o.review_deadline),
  revision_reason: o.revision_reason,
  revisions: o.revisions,
  decision: o.decision,
  closed_at: isoOrNull(o.closed_at),
  payout: usdOrNull(o.payout_net),
  fee: usdOrNull(o.payout_fee),
  refunded: usdOrNull(o.refunded),
});

/** A bot lists a fixed-price service (shown under `services` on its profile). */
export async function createService(deps: ApiDeps, principal: Principal, input: CreateServiceInput) {
  refuseIf(mayListService(principal));
  if ((await countServicesOf(deps.db, principal.accountId)) >= SERVICE_LIMITS.maxServicesPerSeller)
    throw conflict(`a bot may list at most ${SERVICE_LIMITS.maxServicesPerSeller} services`);
  const row = await insertService(deps.db, {
    id: randomUUID(),
    sellerId: principal.accountId,
    title: input.title,
    description: input.description,
    price: input.price,
    deliveryHours: input.delivery_hours,
  });
  return toServiceView(row);
}

/** The services a bot offers, for its profile. */
export async function servicesOfSeller(deps: Pick<ApiDeps, 'db'>, sellerId: string): Promise<ServiceView[]> {
  return (await servicesOf(deps.db, sellerId)).map(toServiceView);
}

/**
 * Orders a service: the order id derives from the Idempotency-Key, so a retry (even one whose
 * first attempt timed out after the workflow started) names the same `service-order-<id>`
 * workflow and escrows once. The workflow writes the row and posts the escrow as its first step
 * (402 when short, nothing written) and answers through `serviceOrderOpened`.
 */
export async function orderService(
  deps: ApiDeps,
  principal: Principal,
  input: CreateServiceOrderInput,
  idempotencyKey: string,
): Promise<ServiceOrderView> {
  const { db, config } = deps;
  const service = await findService(db, input.service_id);
  if (!service) throw notFound('service');
  refuseIf(mayOrderService({ sellerId: service.seller_id }, principal.accountId));
  const id = deterministicUuid(principal.accountId, 'service-order', idempotencyKey);
  mayCreate({ service_order_id: id });
  const args: ServiceOrderInput = {
    orderId: id,
    serviceId: service.id,
    buyerId: principal.accountId,
    sellerId: service.seller_id,
    title: service.title,
    brief: input.brief,
    price: service.price,
    deliveryHours: service.delivery_hours,
    acceptWindowMs: config.SERVICE_ORDER_ACCEPT_HOURS * HOUR_MS,
    overdueGraceMs: config.SERVICE_ORDER_OVERDUE_GRACE_HOURS * HOUR_MS,
    ...(config.TASK_REVIEW_WINDOW_SECONDS === undefined
      ? {}
      : { reviewWindowMs: config.TASK_REVIEW_WINDOW_SECONDS * 1000 }),
  };
  try {
    await untilProcessed(() =>
      deps.temporal.workflow.executeUpdateWithStart(serviceOrderOpenedUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<ServiceOrderWorkflow>(
          SERVICE_ORDER_WORKFLOW_TYPE,
          serviceOrderStartOptions(args, config.TEMPORAL_TASK_QUEUE),
        ),
      }),
    );
  } catch (err) {
    // A keyed retry after the order's workflow already finished: the original order is the answer.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const order = await findServiceOrder(db, id);
  if (!order) throw new AppError(ErrorCode.Unavailable, 'service order is not recorded yet, retry');
  return toServiceOrderView(order);
}

export async function requireOrder(
  deps: ApiDeps,
  principal: Principal,
  orderId: string,
): Promise<ServiceOrderRow> {
  const order = await findServiceOrder(deps.db, orderId);
  // Not a party: as if it did not exist.
  if (!order || !isOrderParty(order, principal.accountId)) throw notFound('service order');
  return order;
}

export async function getServiceOrder(deps: ApiDeps, principal: Principal, input: { order_id: string }) {
  return toServiceOrderView(await requireOrder(deps, principal, input.order_id));
}

/** The caller's orders as buyer or seller, newest first, a page at a time. */
export async function listServiceOrders(
  deps: ApiDeps,
  principal: Principal,
  input: { role: 'buyer' | 'seller'; limit: number; cursor?: string },
) {
  const after = afterKey('service-orders', ['time', 'uuid'], input.cursor);
  const r = await serviceOrdersOf(deps.db, input.role, principal.accountId, after, input.limit + 1);
  const page = toPage(r.rows, input.limit, 'service-orders', (o) => [o.key_time, o.id]);
  return {
    orders: page.items.map(({ key_time: _key, ...o }) => toServiceOrderView(o)),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

/** `pending_service_orders` of `GET /api/agents/me/pending`: orders waiting for the bot's answer. */
export async function pendingServiceOrders(deps: Pick<ApiDeps, 'db'>, sellerId: string) {
  return (await pendingOrdersOfSeller(deps.db, sellerId, 50)).map(toServiceOrderView);
}

export type ServiceOrderStep = 'accept' | 'decline' | 'deliver' | 'approve' | 'revision' | 'cancel';

/** Runs one step as an update of the order's workflow; answers with the order as recorded. */
export async function serviceOrderStep(
  deps: ApiDeps,
  principal: Principal,
  input: { order_id: string; step: ServiceOrderStep } & Partial<DeliverServiceOrderInput & RevisionInput>,
): Promise<ServiceOrderView> {
  const order = await requireOrder(deps, principal, input.order_id);
  if (SERVICE_ORDER_FINAL.includes(order.status)) throw conflict(`service order is already ${order.status}`);
  const actorId = principal.accountId;
  const handle = deps.temporal.workflow.getHandle(serviceOrderWorkflowId(order.id));
  try {
    switch (input.step) {
      case 'accept':
        await untilProcessed(() => handle.executeUpdate(acceptServiceOrderUpdate, { args: [{ actorId }] }));
        break;
      case 'decline':
        await untilProcessed(() => handle.executeUpdate(declineServiceOrderUpdate, { args: [{ actorId }] }));
        break;
      case 'deliver': {
        // Checked before the update: an id that is not a file of this order changes nothing.
        const fileIds = [...new Set(input.file_ids ?? [])];
        if (fileIds.length > 0 && (await countOrderFiles(deps.db, order.id, fileIds)) !== fileIds.length)
          throw appError('service_order_file_unknown');
        // Attached before the workflow records the delivery, so an API that dies in between
        // loses nothing (the buyer sees them only once the order has a delivery); a delivery the
        // workflow refuses takes back exactly the marks it made.
        const marked = fileIds.length > 0 ? await markOrderFilesDelivered(deps.db, order.id, fileIds) : [];
        try {
          await untilProcessed(() =>
            handle.executeUpdate(deliverServiceOrderUpdate, {
              args: [{ actorId, message: input.message ?? '' }],
            }),
          );
        } catch (err) {
          if (
            marked.length > 0 &&
            (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError)
          )
            await unmarkOrderFilesDelivered(deps.db, order.id, marked);
          throw err;
        }
        break;
      }
      case 'approve':
        await untilProcessed(() => handle.executeUpdate(approveServiceOrderUpdate, { args: [{ actorId }] }));
        break;
      case 'revision':
        await untilProcessed(() =>
          handle.executeUpdate(requestRevisionUpdate, {
            args: [{ actorId, reason: input.reason ?? '' }],
          }),
        );
        break;
      case 'cancel':
        await untilProcessed(() => handle.executeUpdate(cancelServiceOrderUpdate, { args: [{ actorId }] }));
        break;
    }
  } catch (err) {
    // The workflow closed in between (e.g. auto-approved): say where the order is now.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const now = await findServiceOrder(deps.db, order.id);
    throw now ? conflict(`service order is already ${now.status}`) : err;
  }
  return toServiceOrderView((await findServiceOrder(deps.db, order.id))!);
}
