// The one way to a cluster. Every request Eastern sends to an API server — reads,
// lists, watches, applies, deletes, pod logs, discovery — goes through `send` or
// `stream` below, on one connection pool, with one retry policy and one error type.
//
// @kubernetes/client-node provides what it is made for: the kubeconfig (files,
// contexts, merging, in-cluster credentials) and every way of authenticating
// (client certificates, tokens, exec plugins, OIDC). The requests themselves are
// built here, for three reasons: bodies stay plain JSON both ways (client-node's
// typed models drop fields they do not know and turn timestamps into Dates, which
// would corrupt applies of newer or custom kinds); one keep-alive pool instead of a
// new TLS connection per call (client-node 1.x builds an agent per request, and its
// Watch and Log do the same); and one retry policy for all of it.

import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, ValidationError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { ApiError, apiMessage, isConnectionError, statusOf, type KubeStatus } from './api-error.js';
import { Discovery, type ApiResource } from './discovery.js';
import type { ClusterTarget } from './kubeconfig.js';
import { FIELD_MANAGER, describeRef, type KubeObject, type ObjectRef } from './objects.js';
import { defaultRetryPolicy, firstContactPolicy, withRetry, type RetryPolicy } from './retry.js';
import { AdaptiveLimit } from './throttle.js';

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApplyOptions {
  dryRun?: boolean;
  force?: boolean;
}

/**
 * The right to write (a deploy's lock). `ensure` is awaited before each attempt and
 * throws when the right is gone; `fresh` is asked again, synchronously, at the last
 * moment before the request's body leaves, after every await in between: a process
 * stopped (SIGSTOP, a starved event loop) after `ensure` must not send a write it may
 * no longer make when it runs again. Not fresh → `ensure` again.
 */
export interface WriteGuard {
  ensure(): Promise<void>;
  fresh(): boolean;
}

/** A write held back at the last moment because the guard's proof went stale. */
class StaleProofError extends Error {
  constructor() {
    super('the proof of the right to write went stale before the request was sent');
  }
}

export interface ClientOptions {
  logger?: Logger;
  retry?: RetryPolicy;
  /** Per-request inactivity timeout. */
  timeoutMs?: number;
  /** Proof demanded before every attempt of every write (not reads, not dry runs). */
  writeGuard?: WriteGuard;
}

/** One page-joined LIST: the items (with apiVersion and kind restored) and the list's resourceVersion. */
export interface ObjectList<T = KubeObject> {
  items: T[];
  resourceVersion: string;
}

/** One line of a watch stream: ADDED / MODIFIED / DELETED / BOOKMARK with the object, or ERROR with a Status. */
export interface WatchEvent {
  type: string;
  object: {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
    /** ERROR events: the Status. */
    code?: number;
    reason?: string;
    message?: string;
    [key: string]: unknown;
  };
}

export interface WatchHandle {
  abort(): void;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

interface SendInit {
  query?: Query;
  body?: string;
  contentType?: string;
  accept?: string;
}

interface Connection {
  kubeConfig: KubeConfig;
  base: string;
  /** Requests: keep-alive, as many sockets as `limit` may allow in flight. */
  pool: http.Agent;
  /** Requests in flight: backs off when the server answers 429. */
  limit: AdaptiveLimit;
  /** Watches and followed logs stay open for minutes; they must not take the requests' sockets. */
  streams: http.Agent;
  timeoutMs: number;
  discovery?: Promise<Discovery>;
  /** Set once the server has answered anything: from then on connection errors get the full retry policy. */
  reached: boolean;
}

const WATCH_SECONDS = 300;
/** Sockets of the request pool, and the most requests in flight on one connection. */
export const POOL_SIZE = 32;
/** The API server's default limit for a request body (k8s.io/apiserver: 3 MiB). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** The retry messages of many parallel calls that fail together: one line per second is enough. */
class RetryLog {
  private last = 0;
  note(logger: Logger | undefined, text: string) {
    const now = Date.now();
    if (now - this.last > 1000) {
      this.last = now;
      logger?.warn(text);
    } else logger?.debug(text);
  }
}

export class KubeClient {
  private readonly warned = new Set<string>();

  private constructor(
    readonly target: ClusterTarget,
    private readonly connection: Connection,
    private readonly owner: boolean,
    private readonly options: ClientOptions,
    private readonly retryLog: RetryLog,
  ) {}

  static async connect(target: ClusterTarget, options: ClientOptions = {}): Promise<KubeClient> {
    const kc = target.kubeConfig;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ClusterError('kubeconfig has no current cluster');
    const agents = await connectionAgents(kc, cluster.server, cluster.proxyUrl !== undefined && cluster.proxyUrl !== '');
    const connection: Connection = {
      kubeConfig: kc,
      // The server URL may carry a path (e.g. a proxy's /k8s/clusters/<id>): paths are appended to it.
      base: cluster.server.replace(/\/+$/, ''),
      ...agents,
      limit: new AdaptiveLimit(POOL_SIZE),
      timeoutMs: options.timeoutMs ?? 30_000,
      reached: false,
    };
    return new KubeClient(target, connection, true, options, new RetryLog());
  }

  /**
   * The same cluster through the same connections, discovery and retry policy, but
   * retry messages and API warnings go to `logger` (one per deploy in the agent).
   * close() on it leaves the connections open; they belong to this client.
   */
  withLogger(logger: Logger): KubeClient {
    return new KubeClient(this.target, this.connection, false, { ...this.options, logger }, new RetryLog());
  }

  /**
   * The same cluster, but every write first awaits `guard` (a deploy proves it still
   * holds its lock). Reads and server-side dry runs are not guarded.
   */
  withWriteGuard(guard: WriteGuard): KubeClient {
    return new KubeClient(this.target, this.connection, false, { ...this.options, writeGuard: guard }, this.retryLog);
  }

  /** The same connections with another retry policy and timeout (the agent's quick health checks). */
  withPolicy(retry: RetryPolicy, timeoutMs?: number): KubeClient {
    return new KubeClient(this.target, this.connection, false, { ...this.options, retry, ...(timeoutMs !== undefined && { timeoutMs }) }, this.retryLog);
  }

  /** The most requests this connection keeps in flight (phases run this many workers; the limit below it adapts). */
  get concurrency(): number {
    return this.connection.limit.max;
  }

  get logger(): Logger | undefined {
    return this.options.logger;
  }

  // ------------------------------------------------------------ transport

  private async requestOptions(method: string, path: string, query: Query | undefined, agent: http.Agent): Promise<{ url: URL; options: https.RequestOptions }> {
    const url = new URL(this.connection.base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    // Authentication per request: exec plugins and OIDC refresh their tokens here.
    const auth: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    await this.connection.kubeConfig.applyToHTTPSOptions(auth);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(auth.headers)) if (v !== undefined) headers[k] = String(v);
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    return { url, options: { method, headers, agent } };
  }

  /** Opens one request and resolves with the response once its headers arrived. The only place that sends. */
  private async open(method: string, path: string, init: SendInit, agent: http.Agent, timeoutMs: number, signal?: AbortSignal, fresh?: () => boolean): Promise<http.IncomingMessage> {
    const bytes = init.body === undefined ? 0 : Buffer.byteLength(init.body);
    if (bytes > MAX_REQUEST_BYTES) {
      throw new ValidationError(`${method} ${path}: the request body is ${(bytes / 1048576).toFixed(1)} MiB, more than the ${MAX_REQUEST_BYTES / 1048576} MiB an API server accepts`, {
        fix: 'split the object: move large data into several ConfigMaps or Secrets, or out of the cluster',
      });
    }
    const { url, options } = await this.requestOptions(method, path, init.query, agent);
    const headers = options.headers as Record<string, string | number>;
    headers.Accept = init.accept ?? 'application/json';
    if (init.body !== undefined) {
      headers['Content-Type'] = init.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(init.body);
    }
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, options, (res) => {
        this.connection.reached = true;
        resolve(res);
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer from the API server within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (signal) {
        if (signal.aborted) req.destroy(new Error('aborted'));
        else signal.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      }
      const send = () => {
        if (init.body !== undefined) req.write(init.body);
        req.end();
      };
      if (!fresh) return send();
      // Nothing of the request leaves before its socket is connected and the proof is
      // checked once more, in the same tick as the write.
      req.once('socket', (socket) => {
        const last = () => (fresh() ? send() : req.destroy(new StaleProofError()));
        if (socket.connecting) socket.once('connect', last);
        else last();
      });
    });
  }

  private warn(header: string | string[] | undefined) {
    if (!header) return;
    const text = Array.isArray(header) ? header.join(', ') : header;
    for (const w of text.split(/,\s*(?=\d{3} )/)) {
      const message = w.replace(/^\d{3} \S+ /, '').replace(/^"|"$/g, '');
      if (this.warned.has(message)) continue;
      this.warned.add(message);
      this.options.logger?.warn(`API server: ${message}`);
    }
  }

  /** One buffered request, without retries: 2xx → body (JSON parsed), else ApiError. */
  private async sendOnce<T>(method: string, path: string, init: SendInit, fresh?: () => boolean): Promise<KubeResponse<T>> {
    const res = await this.open(method, path, init, this.connection.pool, this.options.timeoutMs ?? this.connection.timeoutMs, undefined, fresh);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', resolve);
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the API server closed the connection'), { code: 'ECONNRESET' })));
    });
    this.warn(res.headers.warning);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    if (text && (res.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status <= 299) return { status, body: body as T };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    throw new ApiError(status, body as KubeStatus | string, headers);
  }

  /** A request with the retry policy; `what` names it in retry messages. */
  async send<T = unknown>(method: string, path: string, init: SendInit = {}, what = `${method} ${path}`): Promise<KubeResponse<T>> {
    const policy = this.options.retry ?? defaultRetryPolicy;
    const guard = method !== 'GET' && init.query?.dryRun !== 'All' ? this.options.writeGuard : undefined;
    const limit = this.connection.limit;
    return withRetry(async () => {
      for (;;) {
        await guard?.ensure();
        const epoch = await limit.acquire();
        try {
          const response = await this.sendOnce<T>(method, path, init, guard && (() => guard.fresh()));
          limit.succeeded();
          return response;
        } catch (error) {
          if (error instanceof StaleProofError) continue;
          if (statusOf(error) === 429 && limit.throttled(epoch)) {
            this.retryLog.note(this.options.logger, `the API server is throttling (429 Too Many Requests): at most ${limit.limit} requests in flight from now on`);
          }
          throw error;
        } finally {
          limit.release();
        }
      }
    }, policy, {

      // A server that never answered is most likely down or mistyped: fail within a second or so.
      policyFor: (error) => (!this.connection.reached && isConnectionError(error) && policy.attempts > firstContactPolicy.attempts ? firstContactPolicy : policy),
      onRetry: (error, attempt, delay) => {
        const attempts = (!this.connection.reached && isConnectionError(error) ? firstContactPolicy : policy).attempts;
        this.retryLog.note(this.options.logger, `${what}: ${apiMessage(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`);
      },
    });
  }

  /**
   * A streaming GET (watch, followed log): `onData` gets the body as it arrives.
   * Resolves when the server ends the stream or `signal` aborts it; rejects with
   * ApiError for a non-2xx answer and with the network error when the connection breaks.
   */
  private async stream(path: string, query: Query, onData: (text: string) => void, signal: AbortSignal | undefined, idleMs: number, accept?: string): Promise<void> {
    const res = await this.open('GET', path, { query, ...(accept && { accept }) }, this.connection.streams, idleMs, signal);
    const status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    if (status < 200 || status > 299) {
      let text = '';
      for await (const chunk of res) text += chunk as string;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not a Status object
      }
      throw new ApiError(status, body as KubeStatus | string);
    }
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => onData(chunk));
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', (error) => (signal?.aborted ? resolve() : reject(error)));
    });
  }

  // ------------------------------------------------------------ discovery and paths

  /** Discovery for this cluster, loaded once per connection (the agent's lives for weeks: refresh() on a miss). */
  async discovery(): Promise<Discovery> {
    const c = this.connection;
    if (!c.discovery) {
      c.discovery = Discovery.load(async (path, accept) => (await this.send('GET', path, accept ? { accept } : {}, `GET ${path}`)).body);
      c.discovery.catch(() => (c.discovery = undefined));
    }
    return c.discovery;
  }

  /** The served resource of apiVersion/kind; ClusterError when the cluster does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    const resource = await (await this.discovery()).resolve(apiVersion, kind);
    if (!resource) throw new ClusterError(`the cluster does not serve ${apiVersion} ${kind}`);
    return resource;
  }

  /** The collection URL of a kind (in a namespace when it is namespaced and one is given). */
  async collection(apiVersion: string, kind: string, namespace?: string): Promise<{ path: string; namespaced: boolean }> {
    const resource = await this.resource(apiVersion, kind);
    const parts = [apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`];
    // Built by hand rather than with client-node's helpers, which lower-case the whole path
    // and so turn an invalid name like "My_App" into a confusing "name does not match the URL".
    if (resource.namespaced && namespace) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(resource.plural);
    return { path: parts.join('/'), namespaced: resource.namespaced };
  }

  private async objectPath(ref: ObjectRef | KubeObject): Promise<string> {
    const meta = 'metadata' in ref ? ref.metadata : { name: ref.name, namespace: ref.namespace };
    const { path } = await this.collection(ref.apiVersion, ref.kind, meta.namespace);
    return `${path}/${encodeURIComponent(meta.name ?? '')}`;
  }

  /** `v1.33.1`, or undefined if the cluster does not say. */
  async serverVersion(): Promise<string | undefined> {
    const res = await this.send<{ gitVersion?: unknown }>('GET', '/version', {}, 'GET /version');
    return typeof res.body.gitVersion === 'string' ? res.body.gitVersion : undefined;
  }

  // ------------------------------------------------------------ reads

  /** The live object, or undefined when it does not exist. */
  async get<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const path = await this.objectPath(ref);
    try {
      return (await this.send<T>('GET', path, {}, `GET ${describeRef(ref)}`)).body;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Every object of a collection URL, following `continue` tokens; items get apiVersion and kind back. */
  async listCollection<T = KubeObject>(path: string, query: Query = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const page = (await this.send<{ apiVersion?: string; kind?: string; items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } }>('GET', path, { query: { ...query, limit: 500, continue: token } }, `LIST ${path}`)).body;
      // List items come without apiVersion and kind (watch events and GETs have them).
      const kind = page.kind?.replace(/List$/, '');
      for (const item of page.items ?? []) items.push({ ...(page.apiVersion && { apiVersion: page.apiVersion }), ...(kind && { kind }), ...(item as object) } as T);
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      token = page.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  /** Every object of a kind (in a namespace, or cluster-wide), with selectors. */
  async list<T = KubeObject>(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    const { path } = await this.collection(apiVersion, kind, options.namespace);
    const list = await this.listCollection<T>(path, { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
    // A core-group list says "v1"; a grouped one "apps/v1": the requested version is what callers compare.
    return { items: list.items.map((item) => ({ ...(item as object), apiVersion, kind }) as T), resourceVersion: list.resourceVersion };
  }

  /** Plain JSON GET of a path (events, discovery documents). */
  async getJson<T>(path: string, query?: Query): Promise<T> {
    return (await this.send<T>('GET', path, query ? { query } : {}, `GET ${path}`)).body;
  }

  /** Plain text GET of a path (pod logs). */
  async getText(path: string, query?: Query): Promise<string> {
    const body = (await this.send<unknown>('GET', path, { ...(query && { query }), accept: '*/*' }, `GET ${path}`)).body;
    return typeof body === 'string' ? body : JSON.stringify(body);
  }

  /** A container's log (the previous run's with `previous`), the last `tailLines` lines. */
  async podLog(namespace: string, pod: string, container: string, options: { previous?: boolean; tailLines?: number } = {}): Promise<string> {
    return this.getText(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, {
      container,
      ...(options.previous && { previous: true }),
      ...(options.tailLines !== undefined && { tailLines: options.tailLines }),
    });
  }

  /** Follows a container's log until it ends or `signal` aborts; `onText` gets it as it arrives. */
  async followPodLog(namespace: string, pod: string, container: string, onText: (text: string) => void, signal?: AbortSignal): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
    await this.stream(path, { container, follow: true }, onText, signal, 24 * 3600_000, '*/*');
  }

  /**
   * Watches a collection URL from `resourceVersion` (query), one event per line.
   * `onDone` is called exactly once: when the server ends the stream (undefined),
   * when it fails (the error: ApiError for an HTTP refusal), or after abort().
   */
  async watchCollection(path: string, query: Query, onEvent: (event: WatchEvent) => void, onDone: (error?: unknown) => void): Promise<WatchHandle> {
    const controller = new AbortController();
    const seconds = typeof query.timeoutSeconds === 'number' ? query.timeoutSeconds : WATCH_SECONDS;
    let rest = '';
    const onText = (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          continue;
        }
        onEvent(event);
      }
    };
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      onDone(error);
    };
    // Bookmarks arrive about once a minute; a stream silent for much longer than the
    // server-side timeout is dead (a half-open connection) and is reopened.
    this.stream(path, { ...query, watch: 1, allowWatchBookmarks: true, timeoutSeconds: seconds }, onText, controller.signal, (seconds + 60) * 1000).then(
      () => finish(),
      (error) => finish(controller.signal.aborted ? undefined : error),
    );
    return { abort: () => { controller.abort(); finish(); } };
  }

  // ------------------------------------------------------------ writes

  /** Server-side apply (create or update) with field manager `eastern`. */
  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<KubeResponse<KubeObject>> {
    const path = await this.objectPath(object);
    return this.send<KubeObject>('PATCH', path, {
      query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: options.dryRun ? 'All' : undefined, force: options.force ? true : undefined },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    }, `${options.dryRun ? 'dry run of ' : ''}${describeRef(object)}`);
  }

  async create<T extends KubeObject>(object: T): Promise<T> {
    const { path } = await this.collection(object.apiVersion, object.kind, object.metadata.namespace);
    return (await this.send<T>('POST', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(object) }, `create ${describeRef(object)}`)).body;
  }

  /** PUT; `metadata.resourceVersion` makes it conditional (409 when someone else wrote first). */
  async replace<T extends KubeObject>(object: T): Promise<T> {
    const path = await this.objectPath(object);
    return (await this.send<T>('PUT', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(object) }, `update ${describeRef(object)}`)).body;
  }

  /** JSON merge patch (RFC 7386). */
  async mergePatch<T = KubeObject>(ref: ObjectRef, patch: unknown): Promise<T> {
    const path = await this.objectPath(ref);
    return (await this.send<T>('PATCH', path, { query: { fieldManager: FIELD_MANAGER }, body: JSON.stringify(patch), contentType: 'application/merge-patch+json' }, `patch ${describeRef(ref)}`)).body;
  }

  /** Deletes; false when it was already gone. Preconditions guard against deleting a newer object. */
  async delete(ref: ObjectRef, options: { preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    const path = await this.objectPath(ref);
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: options.propagationPolicy ?? 'Background', preconditions: options.preconditions });
    try {
      await this.send('DELETE', path, { body }, `delete ${describeRef(ref)}`);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Deletes every object of a kind matching a label selector in a namespace (one call). */
  async deleteCollection(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<void> {
    const { path } = await this.collection(apiVersion, kind, namespace);
    await this.send('DELETE', path, { query: { labelSelector } }, `delete ${kind} (${labelSelector})`);
  }

  /** Closes pooled connections (idle ones never hold the process open anyway). */
  close(): void {
    if (!this.owner) return;
    this.connection.pool.destroy();
    this.connection.streams.destroy();
  }
}

/** The pools for the cluster's TLS settings; through client-node's own agent when a proxy is configured. */
async function connectionAgents(kc: KubeConfig, server: string, proxied: boolean): Promise<{ pool: http.Agent; streams: http.Agent }> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  if (proxied && opts.agent instanceof http.Agent) return { pool: opts.agent, streams: opts.agent };
  const keepAlive = { keepAlive: true, keepAliveMsecs: 10_000 };
  if (server.startsWith('http:')) return { pool: new http.Agent({ ...keepAlive, maxSockets: POOL_SIZE }), streams: new http.Agent(keepAlive) };
  const tls = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
  };
  return { pool: new https.Agent({ ...keepAlive, ...tls, maxSockets: POOL_SIZE }), streams: new https.Agent({ ...keepAlive, ...tls }) };
}
