// Which kinds and versions a cluster serves, with the names kubectl accepts for
// them. One round trip on clusters with aggregated discovery (Kubernetes 1.30+:
// /api and /apis answer with every resource); older clusters get the legacy
// per-group-version documents, fetched only for the API versions asked about, or
// all of them when the whole list is wanted (export).

import { groupOf, versionOf } from './objects.js';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** The URL segment, e.g. `deployments`. */
  plural: string;
  singular: string;
  shortNames: string[];
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
const asStrings = (v: unknown): string[] => asArray(v).map(asString).filter((s) => s !== '');

/** A group and its versions, most preferred first. */
export interface GroupVersions {
  group: string;
  versions: string[];
}

export function isAggregated(doc: unknown): boolean {
  return asObject(doc).kind === 'APIGroupDiscoveryList';
}

/** Resources and group order from aggregated documents (apidiscovery.k8s.io/v2 or v2beta1; versions come in preference order). */
export function parseAggregated(...docs: unknown[]): { resources: ApiResource[]; groups: GroupVersions[] } {
  const resources: ApiResource[] = [];
  const groups: GroupVersions[] = [];
  for (const doc of docs) {
    for (const item of asArray(asObject(doc).items)) {
      const group = asString(asObject(asObject(item).metadata).name);
      const versions: string[] = [];
      for (const v of asArray(asObject(item).versions)) {
        const version = asString(asObject(v).version);
        versions.push(version);
        for (const r of asArray(asObject(v).resources)) {
          const res = asObject(r);
          const kind = asString(asObject(res.responseKind).kind);
          const plural = asString(res.resource);
          if (!kind || !plural) continue;
          resources.push({
            group,
            version,
            kind,
            plural,
            singular: asString(res.singularResource) || kind.toLowerCase(),
            shortNames: asStrings(res.shortNames),
            namespaced: res.scope === 'Namespaced',
            verbs: asStrings(res.verbs),
          });
        }
      }
      groups.push({ group, versions });
    }
  }
  return { resources, groups };
}

/** Resources from a legacy APIResourceList (`/api/v1`, `/apis/apps/v1`); subresources skipped. */
export function parseResourceList(apiVersion: string, doc: unknown): ApiResource[] {
  const group = groupOf(apiVersion);
  const version = versionOf(apiVersion);
  const out: ApiResource[] = [];
  for (const r of asArray(asObject(doc).resources)) {
    const res = asObject(r);
    const plural = asString(res.name);
    const kind = asString(res.kind);
    if (!plural || !kind || plural.includes('/')) continue;
    out.push({
      group,
      version,
      kind,
      plural,
      singular: asString(res.singularName) || kind.toLowerCase(),
      shortNames: asStrings(res.shortNames),
      namespaced: res.namespaced === true,
      verbs: asStrings(res.verbs),
    });
  }
  return out;
}

/** Groups in preference order from legacy `/api` (APIVersions) and `/apis` (APIGroupList). */
export function parseLegacyGroups(coreDoc: unknown, groupsDoc: unknown): GroupVersions[] {
  const out: GroupVersions[] = [{ group: '', versions: asStrings(asObject(coreDoc).versions) }];
  for (const g of asArray(asObject(groupsDoc).groups)) {
    const name = asString(asObject(g).name);
    const preferred = asString(asObject(asObject(g).preferredVersion).version);
    const all = asArray(asObject(g).versions).map((v) => asString(asObject(v).version)).filter(Boolean);
    out.push({ group: name, versions: preferred ? [preferred, ...all.filter((v) => v !== preferred)] : all });
  }
  return out;
}

export const apiVersionOf = (r: Pick<ApiResource, 'group' | 'version'>): string => (r.group ? `${r.group}/${r.version}` : r.version);

export class Discovery {
  private readonly byGroupVersion = new Map<string, ApiResource[]>();
  private groups: GroupVersions[];
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(private readonly read: DiscoveryFetch | undefined, groups: GroupVersions[], resources: ApiResource[], private complete: boolean) {
    this.groups = groups;
    for (const r of resources) this.add(r);
    for (const g of groups) for (const v of g.versions) if (complete && !this.byGroupVersion.has(apiVersionOf({ group: g.group, version: v }))) this.byGroupVersion.set(apiVersionOf({ group: g.group, version: v }), []);
  }

  private add(r: ApiResource) {
    const key = apiVersionOf(r);
    let list = this.byGroupVersion.get(key);
    if (!list) this.byGroupVersion.set(key, (list = []));
    list.push(r);
  }

  static async load(read: DiscoveryFetch): Promise<Discovery> {
    const [core, groups] = await Promise.all([read('/api', AGGREGATED_ACCEPT), read('/apis', AGGREGATED_ACCEPT)]);
    if (isAggregated(core) && isAggregated(groups)) {
      const parsed = parseAggregated(core, groups);
      return new Discovery(read, parsed.groups, parsed.resources, true);
    }
    const coreDoc = isAggregated(core) ? await read('/api') : core;
    const groupsDoc = isAggregated(groups) ? await read('/apis') : groups;
    return new Discovery(read, parseLegacyGroups(coreDoc, groupsDoc), [], false);
  }

  /** For tests and for callers that already hold the resource list; without `read`, refresh() keeps it. */
  static fromResources(resources: ApiResource[], read?: DiscoveryFetch): Discovery {
    const groups: GroupVersions[] = [];
    for (const r of resources) {
      let g = groups.find((x) => x.group === r.group);
      if (!g) groups.push((g = { group: r.group, versions: [] }));
      if (!g.versions.includes(r.version)) g.versions.push(r.version);
    }
    return new Discovery(read, groups, resources, true);
  }

  private served(apiVersion: string): boolean {
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    return this.groups.some((g) => g.group === group && g.versions.includes(version));
  }

  private async ensure(apiVersion: string): Promise<void> {
    if (!this.read || this.complete || this.byGroupVersion.has(apiVersion) || !this.served(apiVersion)) return;
    let p = this.pending.get(apiVersion);
    if (!p) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.read(path).then((doc) => {
        if (!this.byGroupVersion.has(apiVersion)) this.byGroupVersion.set(apiVersion, []);
        for (const r of parseResourceList(apiVersion, doc)) this.add(r);
      });
      this.pending.set(apiVersion, p);
      p.catch(() => this.pending.delete(apiVersion));
    }
    await p;
  }

  /** The served resource for apiVersion/kind, or undefined when the cluster does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    await this.ensure(apiVersion);
    return this.known(apiVersion, kind);
  }

  /** Synchronous lookup of what is already known. */
  known(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byGroupVersion.get(apiVersion)?.find((r) => r.kind === kind);
  }

  /** Every `group/version` that serves `kind` (any group), for error messages. */
  async servedVersionsOf(kind: string): Promise<string[]> {
    await this.loadAll();
    const out: string[] = [];
    for (const [gv, list] of this.byGroupVersion) if (list.some((r) => r.kind === kind)) out.push(gv);
    return out.sort();
  }

  /**
   * Every resource in the preferred version of its group (the first version, in
   * preference order, that serves that plural). Group versions that cannot be read
   * (an aggregated API that is down) are left out rather than failing the whole list.
   */
  async preferred(): Promise<ApiResource[]> {
    await this.loadAll();
    const out: ApiResource[] = [];
    for (const g of this.groups) {
      const seen = new Set<string>();
      for (const v of g.versions) {
        for (const r of this.byGroupVersion.get(apiVersionOf({ group: g.group, version: v })) ?? []) {
          if (seen.has(r.plural)) continue;
          seen.add(r.plural);
          out.push(r);
        }
      }
    }
    return out;
  }

  private async loadAll(): Promise<void> {
    if (this.complete) return;
    const all = this.groups.flatMap((g) => g.versions.map((version) => apiVersionOf({ group: g.group, version })));
    await Promise.all(all.map((gv) => this.ensure(gv).catch(() => undefined)));
  }

  /** Ask the cluster again (after a CRD of the manifest became established, or a lookup missed). */
  async refresh(): Promise<void> {
    if (!this.read) return;
    // Re-read everything: a new CRD may add a whole group.
    const fresh = await Discovery.load(this.read);
    this.byGroupVersion.clear();
    for (const [gv, list] of fresh.byGroupVersion) this.byGroupVersion.set(gv, list);
    this.groups = fresh.groups;
    this.complete = fresh.complete;
    this.pending.clear();
  }
}
