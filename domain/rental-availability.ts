/**
 * Health-gated billing (issue 25.3): which started minutes of a rental the agent was demonstrably
 * unavailable for, so the settlement bills them to nobody. Pure: the activity reads the evidence,
 * the workflow settles with the answer, the receipt shows it.
 *
 * Minute m (1-based) is the window [start + (m−1) min, start + m min), cut at the rental's end.
 * Evidence is a timestamped observation of the agent in that window:
 * - a failure: a per-minute health check that got no 2xx (timeout, unreachable, non-2xx), or a
 *   `/v1/chat` relay the agent failed (timeout, unreachable, a 5xx; see `relayFailureCounts`);
 * - a success: a health check answered 2xx, or a message of the agent in the transcript.
 * A started minute is `unavailable` when its window holds at least one failure and no success:
 * any sign of life in the minute keeps it billed, and a minute nobody observed is billed as
 * before (no evidence is not evidence of absence). Evidence outside [start, end) counts nowhere.
 */
import { MS_PER_MINUTE } from './rental-settlement';

export interface AgentObservation {
  /** Epoch ms, by the database clock that stored it (as the transcript's `created_at`). */
  atMs: number;
  ok: boolean;
}

export interface AvailabilityWindow {
  startsAtMs: number;
  /** When the rental ended (its clock end, or the early end). */
  endedAtMs: number;
  /** Minutes started (and billed before gating): 1..startedMinutes are judged. */
  startedMinutes: number;
}

/** The 1-based numbers of the started minutes the agent was demonstrably unavailable for, ascending. */
export function unavailableMinutes(
  window: AvailabilityWindow,
  observations: readonly AgentObservation[],
): number[] {
  const failed = new Set<number>();
  const alive = new Set<number>();
  for (const o of observations) {
    const minute = minuteOf(window, o.atMs);
    if (minute === null) continue;
    (o.ok ? alive : failed).add(minute);
  }
  return [...failed].filter((m) => !alive.has(m)).sort((a, b) => a - b);
}

/** The 1-based minute an instant falls in, or null outside [start, end) or past the started minutes. */
export function minuteOf(window: AvailabilityWindow, atMs: number): number | null {
  if (atMs < window.startsAtMs || atMs >= window.endedAtMs) return null;
  const minute = Math.floor((atMs - window.startsAtMs) / MS_PER_MINUTE) + 1;
  return minute <= window.startedMinutes ? minute : null;
}

/**
 * A `/v1/chat` relay outcome that is evidence the agent was unavailable: it did not answer in time,
 * could not be reached, or answered 5xx. A 4xx (the agent refusing what it was sent), a refused or
 * missing webhook URL (configuration, not presence) or a budget the chat spent waiting for its turn
 * say nothing about whether the agent was up.
 */
export function relayFailureCounts(failure: { code: string; detail: Record<string, unknown> }): boolean {
  if (failure.code === 'agent_unreachable')
    return failure.detail.reason === 'timeout' || failure.detail.reason === 'network_error';
  if (failure.code === 'agent_error')
    return typeof failure.detail.status === 'number' && failure.detail.status >= 500;
  return false;
}

/** When the per-minute health check of minute m runs: its middle, so clock skew cannot move it out. */
export const HEALTH_CHECK_OFFSET_MS = MS_PER_MINUTE / 2;

export const healthCheckAtMs = (startsAtMs: number, minute: number) =>
  startsAtMs + (minute - 1) * MS_PER_MINUTE + HEALTH_CHECK_OFFSET_MS;
