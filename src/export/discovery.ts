// Every resource a cluster serves, in the preferred version of its group, with the
// names kubectl accepts (plural, singular, short names) — what `eastern export`
// lists and what `--kinds` matches. src/kube/discovery.ts resolves one known
// apiVersion/kind for deploys and keeps neither preference nor short names, so this
// reads the same documents itself (to consolidate there later).
import type { KubeConfig } from '@kubernetes/client-node';
import { loadClientNode } from '../kube/kubeconfig.js';
import { mapSettled } from '../kube/pool.js';
import type { ApiResource } from './select.js';

export type JsonGet = (path: string, accept?: string) => Promise<unknown>;

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => arr(v).map(str).filter((s) => s !== '');

/** Per group, versions in preference order (first wins for each plural). */
function preferred(groups: { group: string; versions: { version: string; resources: ApiResource[] }[] }[]): ApiResource[] {
  const out: ApiResource[] = [];
  for (const g of groups) {
    const seen = new Set<string>();
    for (const v of g.versions) {
      for (const r of v.resources) {
        if (seen.has(r.name)) continue;
        seen.add(r.name);
        out.push(r);
      }
    }
  }
  return out;
}

/** Resources of aggregated discovery documents (`/api` and `/apis`, apidiscovery v2), versions already in preference order. */
export function parseAggregatedDiscovery(...docs: unknown[]): ApiResource[] {
  const groups = [];
  for (const doc of docs) {
    for (const item of arr(obj(doc).items)) {
      const group = str(obj(obj(item).metadata).name);
      const versions = arr(obj(item).versions).map((v) => {
        const version = str(obj(v).version);
        const resources: ApiResource[] = [];
        for (const r of arr(obj(v).resources)) {
          const res = obj(r);
          const kind = str(obj(res.responseKind).kind);
          const name = str(res.resource);
          if (!kind || !name) continue;
          resources.push({
            group, version, kind, name,
            singularName: str(res.singularResource) || kind.toLowerCase(),
            shortNames: strings(res.shortNames),
            namespaced: res.scope === 'Namespaced',
            verbs: strings(res.verbs),
          });
        }
        return { version, resources };
      });
      groups.push({ group, versions });
    }
  }
  return preferred(groups);
}

/** Group versions in preference order from legacy `/api` (APIVersions) and `/apis` (APIGroupList). */
export function legacyGroupVersions(core: unknown, groups: unknown): { group: string; versions: string[] }[] {
  const out = [{ group: '', versions: strings(obj(core).versions) }];
  for (const g of arr(obj(groups).groups)) {
    const name = str(obj(g).name);
    const pref = str(obj(obj(g).preferredVersion).version);
    const all = arr(obj(g).versions).map((v) => str(obj(v).version)).filter(Boolean);
    out.push({ group: name, versions: pref ? [pref, ...all.filter((v) => v !== pref)] : all });
  }
  return out;
}

/** Resources of one legacy APIResourceList; subresources (`pods/log`) skipped. */
export function parseResourceList(group: string, version: string, doc: unknown): ApiResource[] {
  const out: ApiResource[] = [];
  for (const r of arr(obj(doc).resources)) {
    const res = obj(r);
    const name = str(res.name);
    const kind = str(res.kind);
    if (!name || !kind || name.includes('/')) continue;
    out.push({
      group, version, kind, name,
      singularName: str(res.singularName) || kind.toLowerCase(),
      shortNames: strings(res.shortNames),
      namespaced: res.namespaced === true,
      verbs: strings(res.verbs),
    });
  }
  return out;
}

/** Every served resource, preferred version per group: one round trip on 1.30+, legacy documents otherwise. */
export async function servedResources(get: JsonGet): Promise<ApiResource[]> {
  const [core, groups] = await Promise.all([get('/api', AGGREGATED_ACCEPT), get('/apis', AGGREGATED_ACCEPT)]);
  if (obj(core).kind === 'APIGroupDiscoveryList' && obj(groups).kind === 'APIGroupDiscoveryList') return parseAggregatedDiscovery(core, groups);
  const coreDoc = obj(core).kind === 'APIGroupDiscoveryList' ? await get('/api') : core;
  const groupsDoc = obj(groups).kind === 'APIGroupDiscoveryList' ? await get('/apis') : groups;
  const gvs = legacyGroupVersions(coreDoc, groupsDoc);
  const jobs = gvs.flatMap((g) => g.versions.map((version) => ({ group: g.group, version })));
  const lists = await mapSettled(jobs, 8, (j) => get(j.group ? `/apis/${j.group}/${j.version}` : `/api/${j.version}`));
  // An aggregated API that is down (metrics) must not stop an export of everything else.
  const byGv = new Map<string, ApiResource[]>();
  lists.forEach((l, i) => {
    const j = jobs[i]!;
    if (l.ok) byGv.set(`${j.group}/${j.version}`, parseResourceList(j.group, j.version, l.value));
  });
  return preferred(gvs.map((g) => ({ group: g.group, versions: g.versions.map((version) => ({ version, resources: byGv.get(`${g.group}/${version}`) ?? [] })) })));
}

/** A plain JSON GET with the kubeconfig's authentication (client-node's request pipeline). */
export async function jsonGetter(kubeConfig: KubeConfig): Promise<JsonGet> {
  const k8s = await loadClientNode();
  class RawApi extends k8s.KubernetesObjectApi {
    protected override async processResponse<T>(response: import('@kubernetes/client-node').ResponseContext): Promise<T> {
      const text = await response.body.text();
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
        throw Object.assign(new Error(`GET failed: HTTP ${response.httpStatusCode}: ${text.slice(0, 300)}`), { code: response.httpStatusCode, body: text });
      }
      return JSON.parse(text) as T;
    }

    async getJson(path: string, accept = 'application/json'): Promise<unknown> {
      const ctx = this.configuration.baseServer.makeRequestContext(path, 'GET' as never);
      ctx.setHeaderParam('Accept', accept);
      return this.requestPromise(ctx);
    }
  }
  const raw = kubeConfig.makeApiClient(RawApi);
  return (path, accept) => raw.getJson(path, accept);
}
