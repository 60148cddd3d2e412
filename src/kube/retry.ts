// Transient API failures are retried with bounded exponential backoff, honouring
// Retry-After; everything else fails at once, because repeating a rejected request
// only delays the error.
import { classify, retryAfterMs } from './api-error.js';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time. */
  baseMs: number;
  /** Upper bound of one delay. */
  maxMs: number;
}

/** Rides out an API server restart (about 10–20 s) without hanging on a dead cluster. */
export const defaultRetryPolicy: RetryPolicy = { attempts: 8, baseMs: 250, maxMs: 8000 };

/**
 * Until a cluster has answered once, a connection failure is most likely a wrong
 * address or a cluster that is down: give up within about a second.
 */
export const firstContactPolicy: RetryPolicy = { attempts: 3, baseMs: 300, maxMs: 1000 };

/** The delay before attempt `attempt + 1` (attempt is 1-based), with ±20 % jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait, e.g. to log "retrying in 1.0 s". */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** The policy for the next attempt may change with what the error says (first contact). */
  policyFor?: (error: unknown) => RetryPolicy;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const current = hooks.policyFor?.(error) ?? policy;
      if (attempt >= current.attempts || classify(error) === 'permanent') throw error;
      const delay = retryAfterMs(error) ?? backoffMs(current, attempt, hooks.random);
      hooks.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
