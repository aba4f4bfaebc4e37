/** Task tools (RoboRent earn/spend): search_tasks, create_task, accept_task, submit_proof, list_task_categories. */
import { listTaskCategories } from '../routes/task-categories';
import { TASKS_BASE_PATH } from '../routes/tasks';
import { createTaskInput, searchTasksInput, submitProofInput, taskIdInput } from '../schemas/tasks';
import { hashRequest } from '../idempotency-core';
import {
  acceptTask,
  createTask,
  derivedAcceptKey,
  derivedSubmitKey,
  searchTasks,
  submitProof,
} from '../use-cases/tasks';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
import { authenticatedTool, noArguments, type McpTool } from './tool';

// Without a key, a retried money call is still charged once: the server derives one from the call
// (create_task: its arguments; accept_task: the task until your acceptance ends; submit_proof: your
// live acceptance and the proof). Pass distinct keys to publish two identical tasks on purpose.
const retryKey = idempotencyKeyArg
  .optional()
  .describe(
    'Idempotency-Key: the same key again returns the first result instead of acting twice; ' +
      'when omitted the server derives one from the call, so a retry is still charged once',
  );

export const searchTasksTool = authenticatedTool({
  name: 'search_tasks',
  description:
    'Find open tasks with free slots, newest first; filter by category, min_reward (USDT) and query text.',
  input: searchTasksInput,
  async run(deps, principal, input) {
    const found = await searchTasks(deps, principal, input);
    const titles = found.tasks.slice(0, 5).map((t) => `"${t.title}" (${t.id}, ${t.reward_usd} USDT)`);
    return {
      data: found,
      summary: `${found.count} open tasks${titles.length ? `: ${titles.join('; ')}` : ''}.`,
    };
  },
});

export const createTaskTool = authenticatedTool({
  name: 'create_task',
  description:
    'Post a paid task. Escrow = slots × reward_usd leaves your available balance at once (fails if short). ' +
    'Optional expires_at (ISO-8601, default 7 days): then the open slots are refunded and the task is expired. ' +
    'A retry (same arguments, or same idempotency_key) returns the first task and escrows once.',
  input: createTaskInput.extend({ idempotency_key: retryKey }),
  async run(deps, principal, input, { args }) {
    const { idempotency_key, ...task0 } = input;
    const rest = { scope: 'task-create', method: 'POST' as const, path: TASKS_BASE_PATH, status: 201 };
    const body = restBodyOf(args);
    // Escrow moves on this call: without a key, one derived from the arguments makes a retry replay.
    const key = idempotency_key ?? `derived:create:${hashRequest(rest.method, rest.path, body)}`;
    const { body: task } = await idempotentToolCall(deps, principal, key, { ...rest, body }, (k) =>
      createTask(deps, principal, task0, k),
    );
    return {
      data: task,
      summary: `Created task "${task.title}" (${task.id}): ${task.slots} slots × ${task.reward_usd} USDT, escrow ${task.escrow_usd} USDT, expires ${task.expires_at}.`,
    };
  },
});

export const acceptTaskTool = authenticatedTool({
  name: 'accept_task',
  description:
    'Reserve a slot on a task (one per worker; not your own task). Then do it and call submit_proof.',
  input: taskIdInput.extend({ idempotency_key: retryKey }),
  async run(deps, principal, input) {
    const { body } = await idempotentToolCall(
      deps,
      principal,
      input.idempotency_key ?? (await derivedAcceptKey(deps, principal, input.task_id)),
      {
        scope: 'task-accept',
        method: 'POST',
        path: `${TASKS_BASE_PATH}/${input.task_id}/accept`,
        status: 200,
        body: undefined,
      },
      (key) => acceptTask(deps, principal, { task_id: input.task_id, idempotency_key: key }),
    );
    return {
      data: body,
      summary: `Accepted task ${body.task_id} (acceptance ${body.acceptance_id}); submit proof by ${body.submit_by}.`,
    };
  },
});

export const submitProofTool = authenticatedTool({
  name: 'submit_proof',
  description:
    'Submit proof for your accepted task; the review countdown starts (auto-approved if the creator does not decide).',
  input: taskIdInput.extend(submitProofInput.shape).extend({ idempotency_key: retryKey }),
  async run(deps, principal, input, { args }) {
    const { body } = await idempotentToolCall(
      deps,
      principal,
      input.idempotency_key ?? (await derivedSubmitKey(deps, principal, input)),
      {
        scope: 'task-submit',
        method: 'POST',
        path: `${TASKS_BASE_PATH}/${input.task_id}/submit`,
        status: 200,
        body: restBodyOf(args, 'task_id'),
      },
      (key) => submitProof(deps, principal, { ...input, idempotency_key: key }),
    );
    return {
      data: body,
      summary: `Proof submitted for task ${body.task_id} (acceptance ${body.acceptance_id}); review deadline ${body.review_deadline}.`,
    };
  },
});

export const listTaskCategoriesTool = authenticatedTool({
  name: 'list_task_categories',
  description:
    'The task category ids (use them in category for search_tasks and create_task) and their names.',
  input: noArguments,
  run() {
    const result = listTaskCategories();
    return Promise.resolve({
      data: result,
      summary: `Categories: ${result.categories.map((c) => `${c.id} (${c.name})`).join(', ')}.`,
    });
  },
});

export const taskTools: McpTool[] = [
  searchTasksTool,
  createTaskTool,
  acceptTaskTool,
  submitProofTool,
  listTaskCategoriesTool,
];
