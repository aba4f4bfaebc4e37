/**
 * `GET /api/v1/agent/tasks/categories`: the ids the `category` field accepts, with names. Mounted
 * before the task routes so `categories` is not taken for a `{task_id}`.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { taskCategoryList, TASK_CATEGORIES } from '../../domain/task-rules';
import { requireAuth } from '../auth';
import type { ApiDeps } from '../deps';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';

export const TASK_CATEGORIES_PATH = '/api/v1/agent/tasks/categories';

export const taskCategoriesResult = registry.register(
  'TaskCategories',
  z.object({
    categories: z.array(z.object({ id: z.enum(TASK_CATEGORIES), name: z.string() })),
  }),
);
export type TaskCategoriesResult = z.infer<typeof taskCategoriesResult>;

export const listTaskCategories = (): TaskCategoriesResult => ({ categories: taskCategoryList() });

registry.registerPath({
  method: 'get',
  path: TASK_CATEGORIES_PATH,
  summary: 'Task category ids (use them in `category`) and their names',
  security: authenticated,
  responses: { 200: jsonResponse('every category', taskCategoriesResult), ...errorResponses(401) },
});

export function mountTaskCategoriesRoutes(app: Express, deps: ApiDeps): void {
  app.get(TASK_CATEGORIES_PATH, requireAuth(deps), (_req, res) => {
    res.json(listTaskCategories());
  });
}
