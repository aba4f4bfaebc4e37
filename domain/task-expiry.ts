/** When a task expires (issue 17.4): the default and the configured bounds. Pure. */
import type { Config } from './config';
import { appError } from './errors';

export type TaskTtlConfig = Pick<
  Config,
  'TASK_DEFAULT_TTL_HOURS' | 'TASK_MIN_TTL_MINUTES' | 'TASK_MAX_TTL_DAYS' | 'TASK_MIN_TTL_SECONDS'
>;

const span = (ms: number) =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000} days`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000} hours`
      : ms % 60_000 === 0
        ? `${ms / 60_000} minutes`
        : `${ms / 1000} seconds`;

/**
 * Epoch ms of a new task's expiry: the requested one within [min, max] from now, or the default.
 * A past one, or one out of bounds, is a 400 naming `expires_at` (nothing is held yet).
 */
export function taskExpiresAt(config: TaskTtlConfig, requested: number | undefined, now: number): number {
  if (requested === undefined) return now + config.TASK_DEFAULT_TTL_HOURS * 3_600_000;
  const minMs =
    config.TASK_MIN_TTL_SECONDS !== undefined
      ? config.TASK_MIN_TTL_SECONDS * 1000
      : config.TASK_MIN_TTL_MINUTES * 60_000;
  const maxMs = config.TASK_MAX_TTL_DAYS * 86_400_000;
  if (requested <= now) throw appError('task_expires_at_past');
  if (requested - now < minMs) throw appError('task_expires_at_too_soon', span(minMs));
  if (requested - now > maxMs) throw appError('task_expires_at_too_late', span(maxMs));
  return requested;
}
