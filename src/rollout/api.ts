// The few API calls the rollout watch makes, as plain JSON: list, watch (client-node's
// Watch), events, pod logs, and where a kind's collection lives. Plain JSON because
// client-node's typed models turn timestamps into Dates and drop fields of kinds
// they do not know, and the rules read raw objects.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './objects.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** An HTTP answer outside 2xx. `status` is the HTTP code; `reason` the Status reason. */
export class ApiRequestError extends Error {
  constructor(readonly status: number, message: string, readonly reason?: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

export interface WatchEvent {
  type: string;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export interface WatchHandle {
  abort(): void;
}

/** The transport a Reflector needs; the real one talks HTTP, tests hand in their own. */
export interface Transport {
  list(path: string, query: Query): Promise<ObjectList>;
  /** Calls onDone exactly once, when the stream ends or fails (after abort too). */
  watch(path: string, query: Query, onEvent: (event: WatchEvent) => void, onDone: (error?: unknown) => void): Promise<WatchHandle>;
}

export interface RolloutApi extends Transport {
  getJson<T>(path: string, query?: Query): Promise<T>;
  getText(path: string, query?: Query): Promise<string>;
  /** "/apis/apps/v1/namespaces/ns/deployments" and whether the kind is namespaced. */
  collection(apiVersion: string, kind: string, namespace: string | undefined): Promise<{ path: string; namespaced: boolean }>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Plural names of the kinds Eastern watches most, so that they need no discovery call. */
const KNOWN: Record<string, { plural: string; namespaced: boolean }> = {
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/Event': { plural: 'events', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'apps/v1/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'apps/v1/ControllerRevision': { plural: 'controllerrevisions', namespaced: true },
  'batch/v1/Job': { plural: 'jobs', namespaced: true },
  'batch/v1/CronJob': { plural: 'cronjobs', namespaced: true },
  'discovery.k8s.io/v1/EndpointSlice': { plural: 'endpointslices', namespaced: true },
  'storage.k8s.io/v1/StorageClass': { plural: 'storageclasses', namespaced: false },
};

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function withQuery(url: URL, query: Query | undefined): URL {
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

export function createRolloutApi(kc: KubeConfig, Watch: typeof import('@kubernetes/client-node').Watch): RolloutApi {
  const server = () => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server.replace(/\/$/, '');
  };

  async function request(method: string, path: string, query?: Query): Promise<{ status: number; text: string }> {
    const url = withQuery(new URL(server() + path), query);
    const init = await kc.applyToFetchOptions({});
    const headers: Record<string, string> = { Accept: 'application/json' };
    const given = init.headers as unknown as { forEach?: (cb: (v: string, k: string) => void) => void } | Record<string, string> | undefined;
    if (given && typeof (given as { forEach?: unknown }).forEach === 'function') {
      (given as { forEach: (cb: (v: string, k: string) => void) => void }).forEach((v, k) => { headers[k] = v; });
    } else if (given) Object.assign(headers, given);
    const send = url.protocol === 'http:' ? http.request : https.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: init.agent as http.Agent | undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${url.host} within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end();
    });
  }

  function fail(status: number, text: string): never {
    let message = text.trim().slice(0, 500) || `HTTP ${status}`;
    let reason: string | undefined;
    try {
      const body = JSON.parse(text) as { message?: string; reason?: string };
      if (body.message) message = body.message;
      reason = body.reason;
    } catch {
      // not a Status object
    }
    throw new ApiRequestError(status, message, reason);
  }

  async function getJson<T>(path: string, query?: Query): Promise<T> {
    const { status, text } = await request('GET', path, query);
    if (status < 200 || status > 299) fail(status, text);
    return JSON.parse(text) as T;
  }

  async function getText(path: string, query?: Query): Promise<string> {
    const { status, text } = await request('GET', path, query);
    if (status < 200 || status > 299) fail(status, text);
    return text;
  }

  const discovered = new Map<string, Promise<{ name: string; kind: string; namespaced: boolean }[]>>();
  async function resource(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
    const known = KNOWN[`${apiVersion}/${kind}`];
    if (known) return known;
    let resources = discovered.get(apiVersion);
    if (!resources) {
      resources = getJson<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(groupVersionPath(apiVersion)).then((r) => r.resources);
      discovered.set(apiVersion, resources);
      resources.catch(() => discovered.delete(apiVersion));
    }
    const found = (await resources).find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) throw new ApiRequestError(404, `the cluster does not serve ${kind} in ${apiVersion}`);
    return { plural: found.name, namespaced: found.namespaced };
  }

  return {
    getJson,
    getText,
    async collection(apiVersion, kind, namespace) {
      const { plural, namespaced } = await resource(apiVersion, kind);
      const ns = namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
      return { path: `${groupVersionPath(apiVersion)}${ns}/${plural}`, namespaced };
    },
    async list(path, query) {
      const items: KubeObject[] = [];
      let resourceVersion = '';
      let next: string | undefined;
      do {
        const page = await getJson<{ apiVersion?: string; kind?: string; items?: KubeObject[] | null; metadata?: { resourceVersion?: string; continue?: string } }>(path, { ...query, limit: 500, continue: next });
        // List items come without apiVersion and kind (watch events have them): put them back.
        const kind = page.kind?.replace(/List$/, '');
        for (const item of page.items ?? []) items.push({ ...(page.apiVersion && { apiVersion: page.apiVersion }), ...(kind && { kind }), ...item });
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        next = page.metadata?.continue || undefined;
      } while (next);
      return { items, resourceVersion };
    },
    async watch(path, query, onEvent, onDone) {
      const controller = await new Watch(kc).watch(
        path,
        query,
        (type: string, object: unknown) => onEvent({ type, object: object as WatchEvent['object'] }),
        (error: unknown) => onDone(error ?? undefined),
      );
      return { abort: () => controller.abort() };
    },
  };
}

/** The HTTP status of an error from the API, the watch, or a failed connection (0). */
export function statusOf(error: unknown): number {
  if (error instanceof ApiRequestError) return error.status;
  const e = error as { statusCode?: number; status?: number; code?: number } | undefined;
  const n = e?.statusCode ?? e?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
  return typeof n === 'number' ? n : 0;
}
