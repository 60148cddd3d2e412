// Reading one cluster for `eastern status`, as named phases:
//
//   contact    /version answers (else the cluster is unreachable)
//   records    one LIST of release heads (all namespaces, or -n)
//   manifests  the newest and the drift baseline revision of each project (cached)
//   objects    one LIST per namespace and kind the releases hold (label eastern.io/project),
//              plus what the rollout rules read (pods, ReplicaSets, …) per namespace;
//              a GET only for an object the list did not return (to tell "missing")
//   judge      per project: live health (rollout rules), drift (src/drift), images
//
// The number of API calls grows with namespaces and kinds, not with objects or page views.
import { ClusterError } from '../errors.js';
import { apiMessage, statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';
import { LABEL_PROJECT, refKey, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { mapSettled } from '../kube/pool.js';
import type { ReleaseHead } from '../deploy/release.js';
import { baselineHead, groupHeads, HEAD_SELECTOR, manifestObjects, placedRef, projectDrift, type ReleasedProject } from '../drift/project.js';
import type { Need } from '../rollout/kinds.js';
import type { ClusterSource } from './clusters.js';
import { emptyLists, judged, needsOf, releaseHealth, type NamespaceLists } from './health.js';
import { imagesOf } from './images.js';
import type { ManifestCache } from './manifests.js';
import type { ClusterStatus, ReleaseStatus, RevisionSummary, UnreadableRecord } from './schema.js';

const CONCURRENCY = 16;

/** The cluster did not answer at all (as opposed to refusing or failing part of the read). */
export class UnreachableError extends ClusterError {}

export interface ReadOptions {
  namespace?: string;
  project?: string;
  manifests: ManifestCache;
  /** Epoch ms (injected by tests). */
  now?: () => number;
}

export interface ClusterRead {
  cluster: ClusterStatus;
  releases: ReleaseStatus[];
  unreadable: UnreadableRecord[];
  /** Per `namespace/project`: `Kind/name` of its objects, their ReplicaSets and pods (whose events tell its rollout). */
  related: Map<string, Set<string>>;
  /** Per `namespace/project`: the release heads, newest first (for revision diffs). */
  heads: Map<string, ReleaseHead[]>;
}

const NEED_KINDS: Record<Exclude<Need, 'storageClasses'>, [string, string]> = {
  pods: ['v1', 'Pod'],
  replicaSets: ['apps/v1', 'ReplicaSet'],
  controllerRevisions: ['apps/v1', 'ControllerRevision'],
  endpointSlices: ['discovery.k8s.io/v1', 'EndpointSlice'],
};

/** The environment of a release: its ENVIRONMENT variable, else the namespace if the cluster serves an environment of that name, else the cluster's only environment. */
export function environmentOf(head: ReleaseHead, namespace: string, environments: readonly string[]): string | null {
  const recorded = head.info.variables?.ENVIRONMENT;
  if (recorded) return recorded;
  if (environments.includes(namespace)) return namespace;
  return environments.length === 1 ? environments[0]! : null;
}

export function revisionSummary(head: ReleaseHead): RevisionSummary {
  const i = head.info;
  return {
    revision: i.revision,
    outcome: i.outcome,
    startedAt: i.startedAt,
    deployer: i.deployer,
    ...(i.reason && { reason: i.reason }),
    ...(i.finishedAt && { finishedAt: i.finishedAt }),
    ...(i.build && { build: i.build }),
    ...(i.commit && { commit: i.commit }),
    ...(i.rollbackOf !== undefined && { rollbackOf: i.rollbackOf }),
    ...(i.source && { source: i.source }),
  };
}

/** One cluster, read. Throws ClusterError when it does not answer or refuses the release records. */
export async function readCluster(client: KubeClient, source: ClusterSource, options: ReadOptions): Promise<ClusterRead> {
  const now = options.now ?? Date.now;
  const started = now();
  const reader = new ClusterReader(client, source, options);
  const version = await reader.contact();
  const { projects, unreadable } = await reader.records();
  const texts = await reader.manifests(projects);
  const refs = await reader.releaseRefs(projects, texts);
  const live = await reader.objects(refs);
  const releases: ReleaseStatus[] = [];
  const related = new Map<string, Set<string>>();
  const heads = new Map<string, ReleaseHead[]>();
  for (const p of projects) {
    const release = await reader.judge(p, texts, refs.get(p) ?? { newest: [], all: [] }, live, now());
    releases.push(release.status);
    related.set(`${p.namespace}/${p.project}`, release.related);
    heads.set(`${p.namespace}/${p.project}`, p.heads);
  }
  return {
    cluster: {
      name: source.name,
      context: source.context,
      server: client.target.server,
      agent: source.agent?.name ?? null,
      environments: source.environments,
      reachable: true,
      ...(version && { version }),
      readAt: new Date(started).toISOString(),
      durationMs: Math.round(now() - started),
      releases: releases.length,
    },
    releases,
    unreadable: unreadable.map((u) => ({ cluster: source.name, ...u })),
    related,
    heads,
  };
}

interface Refs {
  /** Objects of the newest revision (health, live images). */
  newest: ObjectRef[];
  /** Newest and drift baseline together (what is listed). */
  all: ObjectRef[];
}

interface Live {
  /** By refKey: the object, null when it does not exist, undefined when it could not be read. */
  get(ref: ObjectRef): KubeObject | null | undefined;
  lists: Map<string, NamespaceLists>;
}

class ClusterReader {
  constructor(private readonly client: KubeClient, private readonly source: ClusterSource, private readonly options: ReadOptions) {}

  async contact(): Promise<string | undefined> {
    try {
      return await this.client.serverVersion();
    } catch (error) {
      throw new UnreachableError(`cannot reach ${this.client.target.server}: ${apiMessage(error)}`, { cause: error });
    }
  }

  async records(): Promise<{ projects: ReleasedProject[]; unreadable: ReturnType<typeof groupHeads>['unreadable'] }> {
    const { namespace, project } = this.options;
    let secrets: KubeObject[];
    try {
      secrets = (await this.client.list('v1', 'Secret', { ...(namespace && { namespace }), labelSelector: HEAD_SELECTOR })).items;
    } catch (error) {
      const status = statusOf(error);
      if ((status === 401 || status === 403) && !namespace) {
        throw new ClusterError(`refused to list release records in all namespaces: ${apiMessage(error)}`, { cause: error, fix: 'name the namespace with -n NAMESPACE' });
      }
      throw new ClusterError(`cannot read release records: ${apiMessage(error)}`, { cause: error });
    }
    const grouped = groupHeads(secrets);
    if (!project) return grouped;
    return { projects: grouped.projects.filter((p) => p.project === project), unreadable: grouped.unreadable.filter((u) => u.project === project) };
  }

  private manifest(namespace: string, head: ReleaseHead): Promise<string> {
    return this.options.manifests.get(this.client, this.source.name, namespace, head);
  }

  /** Manifest texts of the newest and baseline revisions, by head name (failures kept as errors). */
  async manifests(projects: readonly ReleasedProject[]): Promise<Map<string, string | Error>> {
    const wanted = projects.flatMap((p) => {
      const heads = [p.heads[0], baselineHead(p.heads)].filter((h): h is ReleaseHead => h !== undefined);
      return [...new Set(heads)].map((head) => ({ namespace: p.namespace, head }));
    });
    const namespaces = [...new Set(wanted.map((w) => w.namespace))];
    await mapSettled(namespaces, CONCURRENCY, (ns) => this.options.manifests.prefetch(this.client, this.source.name, ns, wanted.filter((w) => w.namespace === ns).map((w) => w.head)));
    const settled = await mapSettled(wanted, CONCURRENCY, (w) => this.manifest(w.namespace, w.head));
    const out = new Map<string, string | Error>();
    settled.forEach((s, i) => {
      const w = wanted[i]!;
      out.set(`${w.namespace}/${w.head.name}`, s.ok ? s.value : s.error instanceof Error ? s.error : new Error(String(s.error)));
    });
    return out;
  }

  /** The objects each project's releases hold: from the record, else from its manifest. */
  async releaseRefs(projects: readonly ReleasedProject[], texts: Map<string, string | Error>): Promise<Map<ReleasedProject, Refs>> {
    const out = new Map<ReleasedProject, Refs>();
    for (const p of projects) {
      const of = async (head: ReleaseHead | undefined): Promise<ObjectRef[]> => {
        if (!head) return [];
        if (head.info.objects.length > 0) return head.info.objects;
        const text = texts.get(`${p.namespace}/${head.name}`);
        if (typeof text !== 'string') return [];
        try {
          return await Promise.all(manifestObjects(text).map((o) => placedRef(this.client, o, p.namespace)));
        } catch {
          return [];
        }
      };
      const newest = await of(p.heads[0]);
      const base = await of(baselineHead(p.heads));
      const all = new Map<string, ObjectRef>();
      for (const r of [...newest, ...base]) all.set(refKey(r), r);
      out.set(p, { newest, all: [...all.values()] });
    }
    return out;
  }

  /** Lists per namespace and kind, the rules' collections, and GETs for what the lists lacked. */
  async objects(refs: Map<ReleasedProject, Refs>): Promise<Live> {
    const client = this.client;
    const all = [...refs.values()].flatMap((r) => r.all);
    // Where each kind lives, per namespace (cluster-scoped kinds once).
    const collections = new Map<string, { apiVersion: string; kind: string; namespace?: string }>();
    for (const r of all) collections.set(`${r.apiVersion}|${r.kind}|${r.namespace ?? ''}`, { apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace && { namespace: r.namespace }) });
    const index = new Map<string, KubeObject>();
    const failedKinds = new Set<string>();
    const listed = [...collections.values()];
    const results = await mapSettled(listed, CONCURRENCY, (c) => client.list(c.apiVersion, c.kind, { ...(c.namespace && { namespace: c.namespace }), labelSelector: LABEL_PROJECT }));
    results.forEach((r, i) => {
      const c = listed[i]!;
      if (!r.ok) {
        failedKinds.add(`${c.apiVersion}|${c.kind}|${c.namespace ?? ''}`);
        return;
      }
      for (const item of r.value.items) index.set(refKey({ apiVersion: item.apiVersion, kind: item.kind, name: item.metadata.name, ...(item.metadata.namespace && { namespace: item.metadata.namespace }) }), item);
    });

    // What the rollout rules read, per namespace of the newest revisions.
    const needs = new Map<string, Set<Need>>();
    for (const r of refs.values()) {
      for (const ref of judged(r.newest)) {
        if (!ref.namespace) continue;
        const set = needs.get(ref.namespace) ?? new Set<Need>();
        for (const n of needsOf([ref])) set.add(n);
        needs.set(ref.namespace, set);
      }
    }
    const lists = new Map<string, NamespaceLists>();
    const needJobs: { namespace?: string; need: Need }[] = [];
    let storage = false;
    for (const [namespace, set] of needs) {
      lists.set(namespace, emptyLists());
      for (const need of set) {
        if (need === 'storageClasses') storage = true;
        else needJobs.push({ namespace, need });
      }
    }
    if (storage) needJobs.push({ need: 'storageClasses' });
    const needResults = await mapSettled(needJobs, CONCURRENCY, (j) => {
      if (j.need === 'storageClasses') return client.list('storage.k8s.io/v1', 'StorageClass');
      const [apiVersion, kind] = NEED_KINDS[j.need];
      return client.list(apiVersion, kind, { namespace: j.namespace! });
    });
    needResults.forEach((r, i) => {
      const j = needJobs[i]!;
      if (!r.ok) return; // judged without it, as the rollout watch does
      if (j.need === 'storageClasses') {
        for (const l of lists.values()) l.storageClasses = r.value.items;
        return;
      }
      const l = lists.get(j.namespace!)!;
      l[j.need] = r.value.items;
    });

    // Objects the lists did not return: gone, relabelled, or their kind could not be listed.
    const missing = all.filter((r) => !index.has(refKey(r)));
    const fetched = new Map<string, KubeObject | null | undefined>();
    const gets = await mapSettled(missing, CONCURRENCY, (ref) => client.get(ref));
    gets.forEach((g, i) => {
      const ref = missing[i]!;
      fetched.set(refKey(ref), g.ok ? (g.value ?? null) : undefined);
    });
    return {
      get: (ref) => {
        const key = refKey(ref);
        const hit = index.get(key);
        return hit ?? (fetched.has(key) ? fetched.get(key) : undefined);
      },
      lists,
    };
  }

  async judge(p: ReleasedProject, texts: Map<string, string | Error>, refs: Refs, live: Live, now: number): Promise<{ status: ReleaseStatus; related: Set<string> }> {
    const newest = p.heads[0]!;
    const info = newest.info;
    const lists = live.lists.get(p.namespace) ?? emptyLists();
    const health = releaseHealth(refs.newest, live.get, lists, now);
    const drift = await projectDrift(this.client, p, {
      manifest: async (namespace, head) => {
        const text = texts.get(`${namespace}/${head.name}`) ?? (await this.manifest(namespace, head));
        if (text instanceof Error) throw text;
        return text;
      },
      live: async (wanted) => wanted.flatMap((ref) => {
        const object = live.get(ref);
        if (object === undefined) throw new Error(`could not read ${ref.kind}/${ref.name}`);
        return object ? [object] : [];
      }),
    });
    const text = texts.get(`${p.namespace}/${newest.name}`);
    let releaseImages: string[] | null = null;
    if (typeof text === 'string') {
      try {
        releaseImages = imagesOf(manifestObjects(text));
      } catch {
        releaseImages = null;
      }
    }
    const liveObjects = refs.newest.map(live.get).filter((o): o is KubeObject => !!o);
    const status: ReleaseStatus = {
      cluster: this.source.name,
      context: this.source.context,
      namespace: p.namespace,
      project: p.project,
      environment: environmentOf(newest, p.namespace, this.source.environments),
      revision: info.revision,
      outcome: info.outcome,
      ...(info.reason && { reason: info.reason }),
      deployedAt: info.finishedAt ?? info.startedAt,
      deployedBy: info.build?.url ?? info.deployer,
      ...(info.build && { build: info.build }),
      ...(info.commit && { commit: info.commit }),
      ...(info.rollbackOf !== undefined && { rollbackOf: info.rollbackOf }),
      images: { release: releaseImages, live: imagesOf(liveObjects) },
      health,
      drift: {
        state: drift.state,
        drifted: drift.entries.length > 0,
        ...(drift.revision !== undefined && { revision: drift.revision }),
        entries: drift.entries,
        ...(drift.problem && { problem: drift.problem }),
      },
      history: p.heads.map(revisionSummary),
    };
    return { status, related: relatedObjects(liveObjects, lists) };
  }
}

/** `Kind/name` of the objects, the ReplicaSets they own and the pods those own. */
export function relatedObjects(objects: readonly KubeObject[], lists: NamespaceLists): Set<string> {
  const names = new Set<string>();
  const owners = new Set<string>();
  const add = (o: KubeObject) => {
    names.add(`${o.kind}/${o.metadata.name}`);
    if (o.metadata.uid) owners.add(o.metadata.uid);
  };
  const ownedByAny = (o: KubeObject) => ((o.metadata as { ownerReferences?: { uid?: string }[] }).ownerReferences ?? []).some((r) => r.uid !== undefined && owners.has(r.uid));
  for (const o of objects) add(o);
  for (const rs of lists.replicaSets) if (ownedByAny(rs)) add(rs);
  for (const pod of lists.pods) if (ownedByAny(pod)) add(pod);
  return names;
}
