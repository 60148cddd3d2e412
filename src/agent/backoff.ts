// Restart delays for the Swarm client: exponential so a broken Jenkins is not
// hammered, capped so a recovered one is found within a minute, and reset once the
// client has stayed up long enough to count as healthy again.

export interface BackoffTimings {
  /** Delay before the first restart. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
  /** A run at least this long resets the delay to initialMs. */
  resetAfterMs: number;
}

export const defaultBackoff: BackoffTimings = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 5 * 60_000 };

/**
 * The delay before the next start, given the number of consecutive short runs so far
 * (including the one that just ended) and how long that run lasted.
 * Returns the new failure count too, so the caller keeps no other state.
 */
export function nextRestart(failures: number, uptimeMs: number, timings: BackoffTimings = defaultBackoff): { delayMs: number; failures: number } {
  const count = uptimeMs >= timings.resetAfterMs ? 1 : failures + 1;
  const delayMs = Math.min(timings.maxMs, timings.initialMs * 2 ** (count - 1));
  return { delayMs, failures: count };
}
