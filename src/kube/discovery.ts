// Which kinds and versions a cluster serves. One round trip on clusters with
// aggregated discovery (Kubernetes 1.30+: /api and /apis answer with every
// resource); older clusters get the legacy per-group-version documents, fetched
// only for the API versions a manifest uses.

import { groupOf, versionOf } from './objects.js';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** The URL segment, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

/** GETs a discovery path and returns the parsed JSON. */
export type DiscoveryFetch = (path: string, accept?: string) => Promise<unknown>;

export const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

type Json = Record<string, unknown>;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asObject = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

export function isAggregated(doc: unknown): boolean {
  return asObject(doc).kind === 'APIGroupDiscoveryList';
}

/** Resources from an aggregated discovery document (apidiscovery.k8s.io/v2 or v2beta1). */
export function parseAggregated(doc: unknown): ApiResource[] {
  const out: ApiResource[] = [];
  for (const item of asArray(asObject(doc).items)) {
    const group = asString(asObject(asObject(item).metadata).name);
    for (const v of asArray(asObject(item).versions)) {
      const version = asString(asObject(v).version);
      for (const r of asArray(asObject(v).resources)) {
        const res = asObject(r);
        const kind = asString(asObject(res.responseKind).kind);
        const plural = asString(res.resource);
        if (!kind || !plural) continue;
        out.push({ group, version, kind, plural, namespaced: res.scope === 'Namespaced', verbs: asArray(res.verbs).map(asString) });
      }
    }
  }
  return out;
}

/** Resources from a legacy APIResourceList (`/api/v1`, `/apis/apps/v1`); subresources skipped. */
export function parseResourceList(apiVersion: string, doc: unknown): ApiResource[] {
  const group = groupOf(apiVersion);
  const version = versionOf(apiVersion);
  const out: ApiResource[] = [];
  for (const r of asArray(asObject(doc).resources)) {
    const res = asObject(r);
    const plural = asString(res.name);
    if (!plural || plural.includes('/')) continue;
    out.push({ group, version, kind: asString(res.kind), plural, namespaced: res.namespaced === true, verbs: asArray(res.verbs).map(asString) });
  }
  return out;
}

/** Group versions listed by legacy `/api` (APIVersions) and `/apis` (APIGroupList). */
export function parseGroupVersions(coreDoc: unknown, groupsDoc: unknown): string[] {
  const out = asArray(asObject(coreDoc).versions).map(asString).filter(Boolean);
  for (const g of asArray(asObject(groupsDoc).groups)) {
    for (const v of asArray(asObject(g).versions)) {
      const gv = asString(asObject(v).groupVersion);
      if (gv) out.push(gv);
    }
  }
  return out;
}

const gvKey = (group: string, version: string) => (group ? `${group}/${version}` : version);

export class Discovery {
  private readonly byGroupVersion = new Map<string, ApiResource[]>();
  /** Group versions the cluster serves (known fully on aggregated clusters). */
  private readonly servedGroupVersions: Set<string>;
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(private readonly fetch: DiscoveryFetch | undefined, groupVersions: string[], resources: ApiResource[], private complete: boolean) {
    this.servedGroupVersions = new Set(groupVersions);
    for (const r of resources) this.add(r);
  }

  private add(r: ApiResource) {
    const key = gvKey(r.group, r.version);
    let list = this.byGroupVersion.get(key);
    if (!list) this.byGroupVersion.set(key, (list = []));
    list.push(r);
  }

  static async load(fetch: DiscoveryFetch): Promise<Discovery> {
    const [core, groups] = await Promise.all([fetch('/api', AGGREGATED_ACCEPT), fetch('/apis', AGGREGATED_ACCEPT)]);
    if (isAggregated(core) && isAggregated(groups)) {
      const resources = [...parseAggregated(core), ...parseAggregated(groups)];
      const gvs = [...new Set(resources.map((r) => gvKey(r.group, r.version)))];
      return new Discovery(fetch, gvs, resources, true);
    }
    const coreDoc = isAggregated(core) ? await fetch('/api') : core;
    const groupsDoc = isAggregated(groups) ? await fetch('/apis') : groups;
    return new Discovery(fetch, parseGroupVersions(coreDoc, groupsDoc), [], false);
  }

  /** For tests and for callers that already hold the resource list; without `fetch`, refresh() keeps it. */
  static fromResources(resources: ApiResource[], fetch?: DiscoveryFetch): Discovery {
    return new Discovery(fetch, [...new Set(resources.map((r) => gvKey(r.group, r.version)))], resources, true);
  }

  private async ensure(apiVersion: string): Promise<void> {
    if (!this.fetch || this.complete || this.byGroupVersion.has(apiVersion) || !this.servedGroupVersions.has(apiVersion)) return;
    let p = this.pending.get(apiVersion);
    if (!p) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.fetch(path).then((doc) => {
        if (!this.byGroupVersion.has(apiVersion)) this.byGroupVersion.set(apiVersion, []);
        for (const r of parseResourceList(apiVersion, doc)) this.add(r);
      });
      this.pending.set(apiVersion, p);
    }
    await p;
  }

  /** The served resource for apiVersion/kind, or undefined when the cluster does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    await this.ensure(apiVersion);
    return this.byGroupVersion.get(apiVersion)?.find((r) => r.kind === kind);
  }

  /** Synchronous lookup of what is already known. */
  known(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byGroupVersion.get(apiVersion)?.find((r) => r.kind === kind);
  }

  /** Every `group/version` that serves `kind` (any group), for error messages. */
  async servedVersionsOf(kind: string): Promise<string[]> {
    if (!this.complete) await Promise.all([...this.servedGroupVersions].map((gv) => this.ensure(gv).catch(() => undefined)));
    const out: string[] = [];
    for (const [gv, list] of this.byGroupVersion) if (list.some((r) => r.kind === kind)) out.push(gv);
    return out.sort();
  }

  /** Ask the cluster again (after a CRD of the manifest became established, or a lookup missed). */
  async refresh(): Promise<void> {
    if (!this.fetch) return;
    // Re-read everything: a new CRD may add a whole group.
    const fresh = await Discovery.load(this.fetch);
    this.byGroupVersion.clear();
    this.servedGroupVersions.clear();
    for (const [gv, list] of fresh.byGroupVersion) this.byGroupVersion.set(gv, list);
    for (const gv of fresh.servedGroupVersions) this.servedGroupVersions.add(gv);
    this.complete = fresh.complete;
    this.pending.clear();
  }
}
