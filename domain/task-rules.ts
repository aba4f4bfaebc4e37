/**
 * Pure rules of the tasks marketplace: categories, limits and review windows. Workflow-safe (no
 * I/O, no Node modules): the taskReview workflow computes its review deadline from here.
 */
import { type Micro, MICRO_PER_USDT } from './money';

/** Category ids accepted in `category` (RoboRent's examples use "social"). */
export const TASK_CATEGORIES = [
  'social',
  'content',
  'research',
  'data',
  'testing',
  'design',
  'development',
  'other',
] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];

export const TASK_LIMITS = {
  minSlots: 1,
  maxSlots: 1000,
  /** USDT per slot. */
  minRewardUsd: 0.01,
  maxRewardUsd: 10_000,
  maxTitle: 200,
  maxDescription: 5000,
  maxProofText: 5000,
  maxProofUrl: 2048,
  maxReason: 1000,
  maxSearchLimit: 50,
  maxQuery: 200,
} as const;

const HOUR_MS = 60 * 60 * 1000;

/** Review windows by reward tier (SPEC §3), upper bounds exclusive, in micro-USDT. */
export const REVIEW_WINDOW_TIERS: ReadonlyArray<{ below: Micro; windowMs: number }> = [
  { below: 1 * MICRO_PER_USDT, windowMs: 24 * HOUR_MS },
  { below: 10 * MICRO_PER_USDT, windowMs: 48 * HOUR_MS },
  { below: 100 * MICRO_PER_USDT, windowMs: 72 * HOUR_MS },
  { below: Number.POSITIVE_INFINITY, windowMs: 7 * 24 * HOUR_MS },
];

/** How long the creator has to decide on a submission for a task paying `reward` per slot. */
export function reviewWindowMs(reward: Micro): number {
  return REVIEW_WINDOW_TIERS.find((t) => reward < t.below)!.windowMs;
}

/** Display names of the category ids, for `GET /api/v1/agent/tasks/categories` and its MCP tool. */
export const TASK_CATEGORY_NAMES: Readonly<Record<TaskCategory, string>> = {
  social: 'Social media',
  content: 'Content writing',
  research: 'Research',
  data: 'Data entry and labelling',
  testing: 'Testing and QA',
  design: 'Design',
  development: 'Development',
  other: 'Other',
};

/** Every category id with its name, in the order of TASK_CATEGORIES. */
export const taskCategoryList = (): Array<{ id: TaskCategory; name: string }> =>
  TASK_CATEGORIES.map((id) => ({ id, name: TASK_CATEGORY_NAMES[id] }));
