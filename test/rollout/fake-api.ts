// An in-memory API for the watcher and reflector unit tests: collections with
// resourceVersions, list (with metadata.name field selectors), watch streams that
// tests can feed, break, or expire (410), events and logs. No network.
import { ApiError } from '../../src/kube/api-error.js';
import type { ObjectList, Query, WatchEvent, WatchHandle } from '../../src/kube/client.js';
import type { RolloutApi } from '../../src/rollout/api.js';
import type { KubeObject } from '../../src/rollout/objects.js';

interface Stream {
  path: string;
  query: Query;
  onEvent: (event: WatchEvent) => void;
  onDone: (error?: unknown) => void;
  open: boolean;
}

export class FakeApi implements RolloutApi {
  rv = 100;
  readonly collections = new Map<string, Map<string, KubeObject>>();
  readonly streams: Stream[] = [];
  readonly listCalls: { path: string; query: Query }[] = [];
  readonly watchCalls: { path: string; query: Query }[] = [];
  /** Watches from a resourceVersion below this answer 410 Gone. */
  compactedBelow = 0;
  events: { involvedObject: { uid?: string; name?: string }; type: string; reason: string; message: string; count?: number; lastTimestamp: string }[] = [];
  logs = new Map<string, string>();
  forbidden = new Set<string>();
  watchForbidden = new Set<string>();

  async collection(apiVersion: string, kind: string, namespace: string | undefined) {
    const plural = `${kind.toLowerCase()}s`;
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (kind === 'Unknown') throw new ApiError(404, { message: `the cluster does not serve ${kind}` });
    return { path: `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}`, namespaced: true };
  }

  private items(path: string): Map<string, KubeObject> {
    let c = this.collections.get(path);
    if (!c) {
      c = new Map();
      this.collections.set(path, c);
    }
    return c;
  }

  private matches(query: Query, object: KubeObject): boolean {
    const field = typeof query.fieldSelector === 'string' ? /^metadata\.name=(.+)$/.exec(query.fieldSelector) : null;
    return !field || object.metadata?.name === field[1];
  }

  async listCollection<T>(path: string, query: Query): Promise<ObjectList<T>> {
    this.listCalls.push({ path, query });
    if (this.forbidden.has(path)) throw new ApiError(403, { message: `forbidden: cannot list ${path}` });
    const items = [...this.items(path).values()].filter((o) => this.matches(query, o));
    return { items: structuredClone(items) as T[], resourceVersion: String(this.rv) };
  }

  async watchCollection(path: string, query: Query, onEvent: (e: WatchEvent) => void, onDone: (error?: unknown) => void): Promise<WatchHandle> {
    this.watchCalls.push({ path, query });
    if (this.watchForbidden.has(path)) throw new ApiError(403, { message: 'Forbidden' });
    const stream: Stream = { path, query, onEvent, onDone, open: true };
    if (Number(query.resourceVersion ?? 0) < this.compactedBelow) {
      // Like the API server: a 200 stream carrying one ERROR event, then the end.
      setImmediate(() => {
        onEvent({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: { name: '' }, code: 410, reason: 'Expired', message: 'too old resource version' } });
        this.close(stream);
      });
      return { abort: () => this.close(stream) };
    }
    this.streams.push(stream);
    return { abort: () => this.close(stream, new Error('aborted')) };
  }

  private close(stream: Stream, error?: unknown): void {
    if (!stream.open) return;
    stream.open = false;
    const i = this.streams.indexOf(stream);
    if (i >= 0) this.streams.splice(i, 1);
    setImmediate(() => stream.onDone(error));
  }

  /** Create or replace an object and tell the open watches. */
  put(path: string, object: KubeObject): KubeObject {
    this.rv += 1;
    const stored = structuredClone(object);
    stored.metadata = { ...stored.metadata, resourceVersion: String(this.rv) };
    const key = `${stored.metadata.namespace ?? ''}/${stored.metadata.name ?? ''}`;
    const existed = this.items(path).has(key);
    this.items(path).set(key, stored);
    for (const s of [...this.streams]) {
      if (s.path === path && this.matches(s.query, stored)) s.onEvent({ type: existed ? 'MODIFIED' : 'ADDED', object: structuredClone(stored) as WatchEvent['object'] });
    }
    return stored;
  }

  remove(path: string, object: KubeObject): void {
    this.rv += 1;
    const key = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    this.items(path).delete(key);
    for (const s of [...this.streams]) {
      if (s.path === path) s.onEvent({ type: 'DELETED', object: { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } } });
    }
  }

  /** Every open stream ends with a network error, as when a proxy or load balancer drops connections. */
  dropConnections(): number {
    const open = [...this.streams];
    for (const s of open) this.close(s, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    return open.length;
  }

  async getJson<T>(path: string, query?: Query): Promise<T> {
    if (path.endsWith('/events')) {
      const selector = String(query?.fieldSelector ?? '');
      const uid = /involvedObject\.uid=([^,]+)/.exec(selector)?.[1];
      const name = /involvedObject\.name=([^,]+)/.exec(selector)?.[1];
      return { items: this.events.filter((e) => (uid ? e.involvedObject.uid === uid : e.involvedObject.name === name)) } as T;
    }
    throw new ApiError(404, { message: `no ${path}` });
  }

  async getText(path: string, query?: Query): Promise<string> {
    const pod = /pods\/([^/]+)\/log$/.exec(path)?.[1];
    const key = `${pod}/${query?.container}${query?.previous ? '/previous' : ''}`;
    const text = this.logs.get(key);
    if (text === undefined) throw new ApiError(400, { message: `previous terminated container "${query?.container}" in pod "${pod}" not found` });
    return text;
  }

  openStreams(path?: string): number {
    return this.streams.filter((s) => path === undefined || s.path === path).length;
  }
}

/** Resolves once `check` holds, polling the event loop (tests only). */
export async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
