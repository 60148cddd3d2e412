// Transient API failures (throttling, a restarting API server, a dropped
// connection) are retried with bounded exponential backoff; everything else fails
// at once, because repeating a rejected request only delays the error.

export type ErrorClass = 'transient' | 'permanent';

const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const transientStatus = new Set([429, 500, 502, 503, 504]);

/** The HTTP status of an API error (client-node's ApiException), if any. */
export function statusOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    return (error as { code: number }).code;
  }
  return undefined;
}

function bodyMessageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : error instanceof Error ? error.message : '';
}

/** The system error code (ECONNRESET…) of an error or of its causes. */
export function systemCodeOf(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

// Server-side apply reports schema errors in the request body as 500s.
const permanent500 = /typed patch|not declared in schema|unable to convert|cannot convert|admission webhook .* denied/i;

export function classify(error: unknown): ErrorClass {
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 500 && permanent500.test(bodyMessageOf(error))) return 'permanent';
    return transientStatus.has(status) ? 'transient' : 'permanent';
  }
  const code = systemCodeOf(error);
  if (code !== undefined) return transientCodes.has(code) ? 'transient' : 'permanent';
  const message = error instanceof Error ? error.message : String(error);
  return /socket hang up|other side closed|ECONNRESET/i.test(message) ? 'transient' : 'permanent';
}

/** Seconds the server asked us to wait (Retry-After on 429/503), if it did. */
export function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { headers?: Record<string, string> } | undefined)?.headers;
  const value = headers?.['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 30) * 1000 : undefined;
}

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
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || classify(error) === 'permanent') throw error;
      const delay = retryAfterMs(error) ?? backoffMs(policy, attempt, hooks.random);
      hooks.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
