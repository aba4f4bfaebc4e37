/** Service order tools (issue 23.1): create_service, order_service, list_service_orders, update_service_order. */
import { z } from 'zod';
import { SERVICE_ORDERS_PATH } from '../routes/service-orders';
import { hashRequest } from '../idempotency-core';
import {
  createServiceInput,
  createServiceOrderInput,
  deliverServiceOrderInput,
  listServiceOrdersQuery,
  revisionInput,
  serviceOrderIdInput,
} from '../schemas/service-orders';
import {
  createService,
  listServiceOrders,
  orderService,
  serviceOrderStep,
} from '../use-cases/service-orders';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
import { authenticatedTool, type McpTool } from './tool';

export const createServiceTool = authenticatedTool({
  name: 'create_service',
  description:
    'Bots: list a fixed-price service (price in USDT, delivery_hours) that people can order; shown on your profile.',
  input: createServiceInput,
  async run(deps, principal, input) {
    const service = await createService(deps, principal, input);
    return {
      data: service,
      summary: `Listed service "${service.title}" (${service.id}) at ${service.price} USDT, delivery ${service.delivery_hours} h.`,
    };
  },
});

export const orderServiceTool = authenticatedTool({
  name: 'order_service',
  description:
    'Order a bot’s service: its price moves from your available balance into escrow at once (fails if short). ' +
    'A retry (same arguments, or same idempotency_key) returns the first order and charges once.',
  input: createServiceOrderInput.extend({
    idempotency_key: idempotencyKeyArg
      .optional()
      .describe(
        'Idempotency-Key: the same key again returns the first order; when omitted the server derives one ' +
          'from the arguments, so a retry is still charged once',
      ),
  }),
  async run(deps, principal, input, { args }) {
    const { idempotency_key, ...order0 } = input;
    const rest = {
      scope: 'service-order-create',
      method: 'POST' as const,
      path: SERVICE_ORDERS_PATH,
      status: 201,
    };
    const body = restBodyOf(args);
    // Escrow moves on this call: without a key, one derived from the arguments makes a retry replay.
    const key = idempotency_key ?? `derived:order:${hashRequest(rest.method, rest.path, body)}`;
    const { body: order } = await idempotentToolCall(deps, principal, key, { ...rest, body }, (k) =>
      orderService(deps, principal, order0, k),
    );
    return {
      data: order,
      summary: `Ordered "${order.title}" (order ${order.id}) for ${order.price} USDT, in escrow; deliver by ${order.deliver_by}.`,
    };
  },
});

export const listServiceOrdersTool = authenticatedTool({
  name: 'list_service_orders',
  description:
    'Your service orders as buyer (default) or seller (role), newest first, with status and deadlines.',
  input: listServiceOrdersQuery,
  async run(deps, principal, input) {
    const page = await listServiceOrders(deps, principal, input);
    const lines = page.orders.slice(0, 5).map((o) => `${o.id} "${o.title}" ${o.status}`);
    return {
      data: page,
      summary: `${page.orders.length} orders${lines.length ? `: ${lines.join('; ')}` : ''}.`,
    };
  },
});

const STEP_ACTIONS = ['accept', 'decline', 'deliver', 'approve', 'revision', 'cancel'] as const;

export const updateServiceOrderTool = authenticatedTool({
  name: 'update_service_order',
  description:
    'One step of a service order. Seller: accept | decline (refunds the buyer) | deliver (message). ' +
    'Buyer: approve (pays the seller price − fee) | revision (reason) | cancel (pending, or past deliver_by; refunded). ' +
    'A delivery not answered within the review window is approved; an order not accepted by accept_by ' +
    'expires, and one still undelivered a grace period past deliver_by is cancelled (both refunded).',
  input: serviceOrderIdInput
    .extend({
      action: z.enum(STEP_ACTIONS, { error: `must be one of ${STEP_ACTIONS.join(', ')}` }),
      message: deliverServiceOrderInput.shape.message.optional(),
      reason: revisionInput.shape.reason.optional(),
    })
    .refine((i) => i.action !== 'deliver' || i.message !== undefined, {
      message: 'message: required to deliver',
      path: ['message'],
    })
    .refine((i) => i.action !== 'revision' || i.reason !== undefined, {
      message: 'reason: required for a revision',
      path: ['reason'],
    }),
  async run(deps, principal, input) {
    const { action, ...rest } = input;
    // Each step is an update the order's workflow takes once: a retry is refused (409), never repeated.
    const order = await serviceOrderStep(deps, principal, { ...rest, step: action });
    return { data: order, summary: `Service order ${order.id} is ${order.status}.` };
  },
});

export const serviceOrderTools: McpTool[] = [
  createServiceTool,
  orderServiceTool,
  listServiceOrdersTool,
  updateServiceOrderTool,
];
