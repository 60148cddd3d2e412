// One cluster, through @kubernetes/client-node: its KubeConfig (kubeconfig files and
// every authentication method) on requests built here from discovery, without its
// typed API classes. Three deliberate changes to client-node's defaults:
// - bodies stay plain JSON both ways (the typed model serializers drop fields they
//   do not know and turn timestamps into Dates, which would corrupt applies and
//   diffs of newer or custom kinds);
// - one keep-alive connection pool instead of a new TLS connection per request
//   (client-node 1.3 builds a fresh https.Agent for every call);
// - every call is retried on transient errors and has a timeout.

import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { ClusterError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { Discovery } from './discovery.js';
import { loadKubeCore, type ClusterTarget, type KubeCore } from './kubeconfig.js';
import { FIELD_MANAGER, describeRef, type KubeObject, type ObjectRef } from './objects.js';
import { defaultRetryPolicy, statusOf, systemCodeOf, withRetry, type RetryPolicy } from './retry.js';

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/** An unsuccessful HTTP answer (same shape as client-node's ApiException: `code`, `body`, `headers`). */
export class ApiError extends Error {
  constructor(readonly code: number, readonly body: KubeStatus | string | undefined, readonly headers: Record<string, string> = {}) {
    super(apiMessageOf(code, body));
    this.name = 'ApiError';
  }
}

function apiMessageOf(code: number, body: KubeStatus | string | undefined): string {
  if (body && typeof body === 'object' && typeof body.message === 'string' && body.message) return body.message;
  if (typeof body === 'string' && body.trim()) return `HTTP ${code}: ${body.trim().slice(0, 300)}`;
  return `HTTP ${code}`;
}

/** The message to show a user for a failed call. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const code = systemCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export interface ApplyOptions {
  dryRun?: boolean;
  force?: boolean;
}

export interface ClientOptions {
  logger?: Logger;
  retry?: RetryPolicy;
  /** Per-request inactivity timeout. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RawApi {
  send(method: string, path: string, init: { query?: Query; body?: string; contentType?: string; accept?: string }): Promise<KubeResponse>;
  uriOf(object: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }, action: 'patch' | 'list' | 'create'): Promise<string>;
}

const firstContactPolicy: RetryPolicy = { attempts: 3, baseMs: 300, maxMs: 1000 };

const discoveryCache = new Map<string, Promise<Discovery>>();

export class KubeClient {
  private warned = new Set<string>();
  private lastRetryLog = 0;

  private constructor(
    readonly target: ClusterTarget,
    private readonly api: RawApi,
    /** The connection pool, when this client owns it (close() destroys it). */
    private readonly agent: http.Agent | undefined,
    private readonly options: ClientOptions,
    private readonly discoveryRef: { current?: Discovery },
    /** API server warnings (deprecations) not shown yet. */
    private readonly pendingWarnings: string[],
  ) {}

  static async connect(target: ClusterTarget, options: ClientOptions = {}): Promise<KubeClient> {
    const k8s = await loadKubeCore();
    const discoveryRef: { current?: Discovery } = {};
    const warnings: string[] = [];
    const agent = await sharedAgent(target.kubeConfig);
    const api = buildApi(k8s, target.kubeConfig, agent, options.timeoutMs ?? 30_000, discoveryRef, (w) => warnings.push(w));
    return new KubeClient(target, api, agent, options, discoveryRef, warnings);
  }

  /**
   * The same cluster through the same connections, discovery and retry policy, but
   * retry messages and API warnings go to `logger`: one per request in a
   * long-running process (the agent). close() on it leaves the connections open;
   * they belong to this client.
   */
  withLogger(logger: Logger): KubeClient {
    return new KubeClient(this.target, this.api, undefined, { ...this.options, logger }, this.discoveryRef, this.pendingWarnings);
  }

  private flushWarnings(): void {
    for (const w of this.pendingWarnings.splice(0)) this.warnOnce(w);
  }

  private warnOnce(text: string) {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.options.logger?.warn(`API server: ${text}`);
  }

  /** Runs one API call with retries; `what` names it in retry messages. */
  private async call<T>(what: string, fn: () => Promise<T>, policy: RetryPolicy = this.options.retry ?? defaultRetryPolicy): Promise<T> {
    try {
      return await withRetry(fn, policy, {
        onRetry: (error, attempt, delay) => {
          const now = Date.now();
          const text = `${what}: ${apiMessage(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${policy.attempts})`;
          // Many parallel calls fail together when the API server goes away: one line per second is enough.
          if (now - this.lastRetryLog > 1000) {
            this.lastRetryLog = now;
            this.options.logger?.warn(text);
          } else this.options.logger?.debug(text);
        },
      });
    } finally {
      this.flushWarnings();
    }
  }

  /** Discovery for this cluster, loaded once per process. */
  async discovery(): Promise<Discovery> {
    const key = `${this.target.server}\u0000${this.target.context}`;
    let p = discoveryCache.get(key);
    if (!p) {
      p = Discovery.load((path, accept) => this.call(`GET ${path}`, async () => (await this.api.send('GET', path, { accept })).body));
      discoveryCache.set(key, p);
      p.catch(() => discoveryCache.delete(key));
    }
    const d = await p;
    this.discoveryRef.current = d;
    return d;
  }

  /** `v1.33.1`, or undefined if the cluster does not say. The first contact: few retries, so a wrong address fails fast. */
  async serverVersion(): Promise<string | undefined> {
    const res = await this.call('GET /version', () => this.api.send('GET', '/version', {}), firstContactPolicy);
    const v = (res.body as { gitVersion?: unknown }).gitVersion;
    return typeof v === 'string' ? v : undefined;
  }

  /** Server-side apply (create or update) with field manager `eastern`. */
  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<KubeResponse<KubeObject>> {
    await this.discovery();
    const path = await this.api.uriOf(object, 'patch');
    const what = `${options.dryRun ? 'dry run of ' : ''}${describeRef(object)}`;
    return this.call(what, () =>
      this.api.send('PATCH', path, {
        query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: options.dryRun ? 'All' : undefined, force: options.force ? true : undefined },
        body: JSON.stringify(object),
        contentType: 'application/apply-patch+yaml',
      }),
    ) as Promise<KubeResponse<KubeObject>>;
  }

  /** The live object, or undefined when it does not exist. */
  async get<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    await this.discovery();
    const path = await this.api.uriOf({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }, 'patch');
    try {
      return (await this.call(`GET ${describeRef(ref)}`, () => this.api.send('GET', path, {}))).body as T;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Every object of a kind (in a namespace, or cluster-wide), following `continue` tokens. */
  async list<T = KubeObject>(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<T[]> {
    await this.discovery();
    const path = await this.api.uriOf({ apiVersion, kind, metadata: { namespace: options.namespace } }, 'list');
    const items: T[] = [];
    let token: string | undefined;
    do {
      const res = await this.call(`LIST ${kind}`, () => this.api.send('GET', path, { query: { labelSelector: options.labelSelector, limit: 500, continue: token } }));
      const body = res.body as { items?: T[]; metadata?: { continue?: string } };
      // List items carry no apiVersion/kind; give them back so they compare equal to GETs.
      for (const item of body.items ?? []) items.push({ apiVersion, kind, ...(item as object) } as T);
      token = body.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  async create<T extends KubeObject>(object: T): Promise<T> {
    await this.discovery();
    const path = await this.api.uriOf(object, 'create');
    return (await this.call(`create ${describeRef(object)}`, () => this.api.send('POST', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(object) }))).body as T;
  }

  /** PUT; `metadata.resourceVersion` makes it conditional (409 when someone else wrote first). */
  async replace<T extends KubeObject>(object: T): Promise<T> {
    await this.discovery();
    const path = await this.api.uriOf(object, 'patch');
    return (await this.call(`update ${describeRef(object)}`, () => this.api.send('PUT', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(object) }))).body as T;
  }

  /** JSON merge patch (RFC 7386). */
  async mergePatch<T = KubeObject>(ref: ObjectRef, patch: unknown): Promise<T> {
    await this.discovery();
    const path = await this.api.uriOf({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }, 'patch');
    return (await this.call(`patch ${describeRef(ref)}`, () => this.api.send('PATCH', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(patch), contentType: 'application/merge-patch+json' }))).body as T;
  }

  /** Deletes; false when it was already gone. Preconditions guard against deleting a newer object. */
  async delete(ref: ObjectRef, options: { preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    await this.discovery();
    const path = await this.api.uriOf({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }, 'patch');
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: options.propagationPolicy ?? 'Background', preconditions: options.preconditions });
    try {
      await this.call(`delete ${describeRef(ref)}`, () => this.api.send('DELETE', path, { body }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Deletes every object of a kind matching a label selector in a namespace (one call). */
  async deleteCollection(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<void> {
    await this.discovery();
    const path = await this.api.uriOf({ apiVersion, kind, metadata: { namespace } }, 'list');
    await this.call(`delete ${kind} (${labelSelector})`, () => this.api.send('DELETE', path, { query: { labelSelector } }));
  }

  /** Closes pooled connections (idle ones never hold the process open anyway). */
  close(): void {
    this.agent?.destroy();
  }
}

/**
 * Requests to the cluster: URL from discovery, the kubeconfig's authentication (client
 * certificates, tokens, exec plugins) applied through client-node's RequestContext,
 * then plain node:http(s) on the shared pool. No typed API classes: they would load
 * all of client-node's generated models.
 */
function buildApi(
  core: KubeCore,
  kc: KubeConfig,
  agent: http.Agent | undefined,
  timeoutMs: number,
  discoveryRef: { current?: Discovery },
  onWarning: (text: string) => void,
): RawApi {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterError('kubeconfig has no current cluster');
  // The server URL may carry a path (e.g. a proxy's /k8s/clusters/<id>): paths are appended to it.
  const base = cluster.server.replace(/\/+$/, '');

  const transport = (request: RequestContext) =>
    new Promise<{ status: number; headers: Record<string, string>; text: string }>((resolvePromise, reject) => {
      const url = new URL(request.getUrl());
      const lib = url.protocol === 'http:' ? http : https;
      const body = request.getBody() as string | undefined;
      const headers: Record<string, string | number> = { ...request.getHeaders() };
      if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
      const req = lib.request(url, { method: request.getHttpMethod().toString(), headers, agent: (agent ?? request.getAgent()) as http.Agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolvePromise({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer from the API server within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });

  const send = async (method: string, path: string, init: { query?: Query; body?: string; contentType?: string; accept?: string }): Promise<KubeResponse> => {
    const request = new core.RequestContext(base + path, method as never);
    request.setHeaderParam('Accept', init.accept ?? 'application/json');
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) request.setQueryParam(k, String(v));
    if (init.body !== undefined) {
      request.setHeaderParam('Content-Type', init.contentType ?? 'application/json');
      request.setBody(init.body);
    }
    await kc.applySecurityAuthentication(request);
    const response = await transport(request);
    const warning = response.headers['warning'];
    if (warning) for (const w of warning.split(/,\s*(?=\d{3} )/)) onWarning(w.replace(/^\d{3} \S+ /, '').replace(/^"|"$/g, ''));
    let parsed: unknown = response.text;
    if (response.text && (response.headers['content-type'] ?? '').includes('json')) {
      try {
        parsed = JSON.parse(response.text);
      } catch {
        parsed = response.text;
      }
    }
    if (response.status >= 200 && response.status <= 299) return { status: response.status, body: parsed };
    throw new ApiError(response.status, parsed as KubeStatus | string, response.headers);
  };

  // URL building asks discovery (the per-process cache). Built by hand rather than with
  // client-node's specUriPath, which lower-cases the whole path and so turns an invalid
  // name like "My_App" into a confusing "name does not match the URL" error.
  const uriOf = async (object: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }, action: 'patch' | 'list' | 'create') => {
    const resource = await discoveryRef.current?.resolve(object.apiVersion, object.kind);
    if (!resource) throw new ClusterError(`the cluster does not serve ${object.apiVersion} ${object.kind}`);
    const parts = [object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`];
    if (resource.namespaced && object.metadata.namespace) parts.push('namespaces', encodeURIComponent(object.metadata.namespace));
    parts.push(resource.plural);
    if (action === 'patch') parts.push(encodeURIComponent(object.metadata.name ?? ''));
    return parts.join('/');
  };

  return { send, uriOf };
}

/** A keep-alive pool for the cluster's TLS settings; undefined when a proxy is configured (client-node handles those). */
async function sharedAgent(kc: KubeConfig): Promise<http.Agent | undefined> {
  const cluster = kc.getCurrentCluster();
  if (!cluster || cluster.proxyUrl) return undefined;
  const opts: https.RequestOptions & { headers?: unknown } = {};
  await kc.applyToHTTPSOptions(opts as never);
  const pool = { keepAlive: true, maxSockets: 32, keepAliveMsecs: 10_000 };
  if (cluster.server.startsWith('http:')) return new http.Agent(pool);
  return new https.Agent({
    ...pool,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
  });
}
