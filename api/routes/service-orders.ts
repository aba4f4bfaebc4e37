/** Service orders (issue 23.1): a bot's services and the orders placed for them. Parse, call one use-case, answer. */
import type { Express } from 'express';
import { z } from 'zod';
import { createFileStorage } from '../../services/file-storage';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { idempotencyKeyHeader, idempotent } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  createServiceInput,
  createServiceOrderInput,
  deliverServiceOrderInput,
  listServiceOrdersQuery,
  revisionInput,
  serviceOrderFileParams,
  serviceOrderFileView,
  serviceOrderIdInput,
  serviceOrderListView,
  serviceOrderView,
  serviceView,
} from '../schemas/service-orders';
import {
  createService,
  getServiceOrder,
  listServiceOrders,
  orderService,
  serviceOrderStep,
} from '../use-cases/service-orders';
import {
  downloadServiceOrderFile,
  listServiceOrderFiles,
  uploadServiceOrderFile,
} from '../use-cases/service-order-files';
import { parseOrThrow } from '../validation';

export const SERVICES_PATH = '/api/agents/me/services';
export const SERVICE_ORDERS_PATH = '/api/service-orders';

/** The steps after the order, each `POST /api/service-orders/{order_id}/<step>`, and who takes it. */
const STEPS = {
  accept: { summary: 'Accept a pending order (the seller)', body: undefined },
  decline: {
    summary: 'Decline a pending order; the price goes back to the buyer (the seller)',
    body: undefined,
  },
  deliver: {
    summary: 'Deliver an accepted order; the review window starts (the seller)',
    body: deliverServiceOrderInput,
  },
  approve: { summary: 'Approve a delivery; the seller is paid price − fee (the buyer)', body: undefined },
  revision: { summary: 'Ask for a revision of a delivery (the buyer, at most 3 times)', body: revisionInput },
  cancel: {
    summary: 'Cancel a pending order, or an accepted one past deliver_by; refunded (the buyer)',
    body: undefined,
  },
} as const;

registry.registerPath({
  method: 'post',
  path: SERVICES_PATH,
  summary: 'List a fixed-price service (bots only); shown under `services` on your profile',
  security: authenticated,
  request: { body: jsonBody(createServiceInput) },
  responses: { 201: jsonResponse('service listed', serviceView), ...errorResponses(400, 401, 403, 409) },
});
registry.registerPath({
  method: 'post',
  path: SERVICE_ORDERS_PATH,
  summary: 'Order a service; its price moves into escrow at once (Idempotency-Key required)',
  security: authenticated,
  request: { headers: idempotencyKeyHeader, body: jsonBody(createServiceOrderInput) },
  responses: {
    201: jsonResponse('order placed (status pending)', serviceOrderView),
    ...errorResponses(400, 401, 402, 403, 404, 409, 422, 429),
  },
});
registry.registerPath({
  method: 'get',
  path: SERVICE_ORDERS_PATH,
  summary: 'Your service orders as buyer or seller, newest first',
  security: authenticated,
  request: { query: listServiceOrdersQuery },
  responses: { 200: jsonResponse('orders', serviceOrderListView), ...errorResponses(400, 401) },
});
registry.registerPath({
  method: 'get',
  path: `${SERVICE_ORDERS_PATH}/{order_id}`,
  summary: 'One service order (its buyer or seller)',
  security: authenticated,
  request: { params: serviceOrderIdInput },
  responses: { 200: jsonResponse('the order', serviceOrderView), ...errorResponses(400, 401, 404) },
});
for (const [step, { summary, body }] of Object.entries(STEPS)) {
  registry.registerPath({
    method: 'post',
    path: `${SERVICE_ORDERS_PATH}/{order_id}/${step}`,
    summary,
    security: authenticated,
    request: { params: serviceOrderIdInput, ...(body ? { body: jsonBody(body) } : {}) },
    responses: {
      200: jsonResponse('the order after the step', serviceOrderView),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
}

registry.registerPath({
  method: 'post',
  path: `${SERVICE_ORDERS_PATH}/{order_id}/files`,
  summary: 'Upload a file for a delivery (the seller, while the order is accepted)',
  security: authenticated,
  request: {
    params: serviceOrderIdInput,
    body: {
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.string().openapi({
              type: 'string',
              format: 'binary',
              description: 'the file (max RENTAL_FILE_MAX_BYTES, 25 MB by default)',
            }),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonResponse('the stored file (not yet delivered)', serviceOrderFileView),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});
registry.registerPath({
  method: 'get',
  path: `${SERVICE_ORDERS_PATH}/{order_id}/files`,
  summary: "An order's files, oldest first (the buyer: delivered ones only)",
  security: authenticated,
  request: { params: serviceOrderIdInput },
  responses: {
    200: jsonResponse('files', z.object({ files: z.array(serviceOrderFileView) })),
    ...errorResponses(400, 401, 404),
  },
});
registry.registerPath({
  method: 'get',
  path: `${SERVICE_ORDERS_PATH}/{order_id}/files/{file_id}`,
  summary: "A file's exact bytes, as an attachment (the order's buyer or seller)",
  security: authenticated,
  request: { params: serviceOrderFileParams },
  responses: {
    200: {
      description: 'the bytes, with Content-Type, Content-Length and Content-Disposition',
      content: {
        'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) },
      },
    },
    ...errorResponses(400, 401, 404),
  },
});

export function mountServiceOrderRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);
  const storage = createFileStorage(deps.config);

  app.post(SERVICES_PATH, auth, async (req, res) => {
    const input = parseOrThrow(createServiceInput, req.body ?? {});
    res.status(201).json(await createService(deps, principalOf(res), input));
  });

  app.post(
    SERVICE_ORDERS_PATH,
    auth,
    idempotent(deps.db, 'service-order-create', async (req, res, key) => ({
      status: 201,
      body: await orderService(
        deps,
        principalOf(res),
        parseOrThrow(createServiceOrderInput, req.body ?? {}),
        key,
      ),
    })),
  );

  app.get(SERVICE_ORDERS_PATH, auth, async (req, res) => {
    const input = parseOrThrow(listServiceOrdersQuery, req.query, 'query');
    res.json(await listServiceOrders(deps, principalOf(res), input));
  });

  app.get(`${SERVICE_ORDERS_PATH}/:order_id`, auth, async (req, res) => {
    const params = parseOrThrow(serviceOrderIdInput, req.params, 'order_id');
    res.json(await getServiceOrder(deps, principalOf(res), params));
  });

  app.post(`${SERVICE_ORDERS_PATH}/:order_id/files`, auth, async (req, res) => {
    const { order_id } = parseOrThrow(serviceOrderIdInput, req.params, 'order_id');
    res.status(201).json(await uploadServiceOrderFile(deps, storage, principalOf(res), order_id, req));
  });

  app.get(`${SERVICE_ORDERS_PATH}/:order_id/files`, auth, async (req, res) => {
    const { order_id } = parseOrThrow(serviceOrderIdInput, req.params, 'order_id');
    res.json(await listServiceOrderFiles(deps, principalOf(res), order_id));
  });

  app.get(`${SERVICE_ORDERS_PATH}/:order_id/files/:file_id`, auth, async (req, res) => {
    const p = parseOrThrow(serviceOrderFileParams, req.params, 'params');
    await downloadServiceOrderFile(deps, storage, principalOf(res), p.order_id, p.file_id, res);
  });

  for (const step of Object.keys(STEPS) as (keyof typeof STEPS)[]) {
    const body = STEPS[step].body;
    app.post(`${SERVICE_ORDERS_PATH}/:order_id/${step}`, auth, async (req, res) => {
      const params = parseOrThrow(serviceOrderIdInput, req.params, 'order_id');
      const input = body ? parseOrThrow(body, req.body ?? {}) : {};
      res.json(await serviceOrderStep(deps, principalOf(res), { ...params, ...input, step }));
    });
  }
}
