// The one error type for answers of the API server, and the rules that tell a
// passing failure (throttling, a restarting server, a dropped connection) from a
// refusal that repeating cannot change.

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/** An answer outside 2xx: `code` is the HTTP status, `body` the Status object (or text). */
export class ApiError extends Error {
  constructor(readonly code: number, readonly body: KubeStatus | string | undefined, readonly headers: Record<string, string> = {}) {
    super(apiMessageOf(code, body));
    this.name = 'ApiError';
  }

  /** The Status reason (`NotFound`, `Conflict`, `Expired`…), when the server sent one. */
  get reason(): string | undefined {
    return typeof this.body === 'object' ? this.body?.reason : undefined;
  }
}

function apiMessageOf(code: number, body: KubeStatus | string | undefined): string {
  if (body && typeof body === 'object' && typeof body.message === 'string' && body.message) return body.message;
  if (typeof body === 'string' && body.trim()) return `HTTP ${code}: ${body.trim().slice(0, 300)}`;
  return `HTTP ${code}`;
}

/** The HTTP status of an API error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiError ? error.code : undefined;
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

/** The message to show a user for a failed call. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const code = systemCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

const connectionCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const transientStatus = new Set([429, 500, 502, 503, 504]);
// Server-side apply reports schema errors in the request body as 500s.
const permanent500 = /typed patch|not declared in schema|unable to convert|cannot convert|admission webhook .* denied/i;

/** A failure to reach the server at all (as opposed to an answer). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ApiError) return false;
  const code = systemCodeOf(error);
  if (code !== undefined) return connectionCodes.has(code);
  const message = error instanceof Error ? error.message : String(error);
  return /socket hang up|other side closed|ECONNRESET/i.test(message);
}

export type ErrorClass = 'transient' | 'permanent';

export function classify(error: unknown): ErrorClass {
  if (error instanceof ApiError) {
    if (error.code === 500 && permanent500.test(error.message)) return 'permanent';
    return transientStatus.has(error.code) ? 'transient' : 'permanent';
  }
  return isConnectionError(error) ? 'transient' : 'permanent';
}

/** Milliseconds the server asked us to wait (Retry-After on 429/503), if it did. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const value = error.headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 30) * 1000 : undefined;
}
