/** RoboRent task endpoints under /api/v1/agent/tasks: parse, call one use-case, answer. */
import type { Express } from 'express';
import { principalOf, requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { idempotencyKeyHeader, idempotent, optionalIdempotencyKeyOf } from '../idempotency';
import { authenticated, errorResponses, jsonBody, jsonResponse, registry } from '../openapi';
import {
  acceptTaskResult,
  cancelTaskResult,
  createTaskInput,
  createTaskResult,
  reviewDecisionInput,
  searchTasksInput,
  searchTasksResult,
  submissionIdInput,
  submissionResult,
  submitProofInput,
  taskIdInput,
  taskView,
} from '../schemas/tasks';
import {
  acceptTask,
  cancelTask,
  createTask,
  getTask,
  reviewSubmission,
  searchTasks,
  submitProof,
} from '../use-cases/tasks';
import { parseOrThrow } from '../validation';

/** Base path of the task routes; MCP tools hash their REST-equivalent requests against it. */
export const TASKS_BASE_PATH = '/api/v1/agent/tasks';

registry.registerPath({
  method: 'post',
  path: TASKS_BASE_PATH,
  summary:
    'Publish a task; escrows slots × reward_usd from your available balance (optional Idempotency-Key)',
  security: authenticated,
  request: { body: jsonBody(createTaskInput) },
  responses: {
    201: jsonResponse('task created', createTaskResult),
    ...errorResponses(400, 401, 402, 409, 422, 429),
  },
});
registry.registerPath({
  method: 'post',
  path: `${TASKS_BASE_PATH}/search`,
  summary: 'Open tasks with free slots',
  security: authenticated,
  request: { body: jsonBody(searchTasksInput) },
  responses: { 200: jsonResponse('matching tasks', searchTasksResult), ...errorResponses(400, 401) },
});
registry.registerPath({
  method: 'get',
  path: `${TASKS_BASE_PATH}/{task_id}`,
  summary: 'A task; its creator also sees every submission with its review deadline',
  security: authenticated,
  request: { params: taskIdInput },
  responses: { 200: jsonResponse('the task', taskView), ...errorResponses(400, 401, 404) },
});
registry.registerPath({
  method: 'post',
  path: `${TASKS_BASE_PATH}/{task_id}/cancel`,
  summary: 'Cancel a task; refunds the escrow of slots not accepted',
  security: authenticated,
  request: { params: taskIdInput },
  responses: { 200: jsonResponse('cancelled', cancelTaskResult), ...errorResponses(400, 401, 403, 404, 409) },
});
registry.registerPath({
  method: 'post',
  path: `${TASKS_BASE_PATH}/{task_id}/accept`,
  summary: 'Reserve a slot (Idempotency-Key required)',
  security: authenticated,
  request: { params: taskIdInput, headers: idempotencyKeyHeader },
  responses: {
    200: jsonResponse('slot reserved', acceptTaskResult),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});
registry.registerPath({
  method: 'post',
  path: `${TASKS_BASE_PATH}/{task_id}/submit`,
  summary: 'Submit proof; starts the review countdown (Idempotency-Key required)',
  security: authenticated,
  request: { params: taskIdInput, headers: idempotencyKeyHeader, body: jsonBody(submitProofInput) },
  responses: {
    200: jsonResponse('submitted', submissionResult),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});
for (const decision of ['approve', 'reject'] as const) {
  registry.registerPath({
    method: 'post',
    path: `${TASKS_BASE_PATH}/{task_id}/submissions/{acceptance_id}/${decision}`,
    summary: `${decision === 'approve' ? 'Approve (and pay)' : 'Reject (reopens the slot)'} a submission; creator only`,
    security: authenticated,
    request: { params: submissionIdInput, body: jsonBody(reviewDecisionInput) },
    responses: {
      200: jsonResponse('the submission after the decision', submissionResult),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
}

export function mountTasksRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);

  const createWithKey = idempotent(deps.db, 'task-create', async (req, res, key) => ({
    status: 201,
    body: await createTask(deps, principalOf(res), parseOrThrow(createTaskInput, req.body ?? {}), key),
  }));

  // Idempotency-Key is optional (the seed publishes without one): with one, a retry returns the
  // same task and escrows once.
  app.post(TASKS_BASE_PATH, auth, async (req, res) => {
    if (optionalIdempotencyKeyOf(req)) return createWithKey(req, res, () => undefined);
    const input = parseOrThrow(createTaskInput, req.body ?? {});
    res.status(201).json(await createTask(deps, principalOf(res), input));
  });

  app.post(`${TASKS_BASE_PATH}/search`, auth, async (req, res) => {
    const input = parseOrThrow(searchTasksInput, req.body ?? {});
    res.json(await searchTasks(deps, principalOf(res), input));
  });

  app.get(`${TASKS_BASE_PATH}/:task_id`, auth, async (req, res) => {
    const params = parseOrThrow(taskIdInput, req.params, 'task_id');
    res.json(await getTask(deps, principalOf(res), params));
  });

  app.post(`${TASKS_BASE_PATH}/:task_id/cancel`, auth, async (req, res) => {
    const params = parseOrThrow(taskIdInput, req.params, 'task_id');
    res.json(await cancelTask(deps, principalOf(res), params));
  });

  app.post(
    `${TASKS_BASE_PATH}/:task_id/accept`,
    auth,
    idempotent(deps.db, 'task-accept', async (req, res, key) => {
      const params = parseOrThrow(taskIdInput, req.params, 'task_id');
      const body = await acceptTask(deps, principalOf(res), { ...params, idempotency_key: key });
      return { status: 200, body };
    }),
  );

  app.post(
    `${TASKS_BASE_PATH}/:task_id/submit`,
    auth,
    idempotent(deps.db, 'task-submit', async (req, res, key) => {
      const params = parseOrThrow(taskIdInput, req.params, 'task_id');
      const input = parseOrThrow(submitProofInput, req.body ?? {});
      const body = await submitProof(deps, principalOf(res), { ...params, ...input, idempotency_key: key });
      return { status: 200, body };
    }),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`${TASKS_BASE_PATH}/:task_id/submissions/:acceptance_id/${decision}`, auth, async (req, res) => {
      const params = parseOrThrow(submissionIdInput, req.params, 'path');
      const input = parseOrThrow(reviewDecisionInput, req.body ?? {});
      res.json(await reviewSubmission(deps, principalOf(res), { ...params, ...input, decision }));
    });
  }
}
