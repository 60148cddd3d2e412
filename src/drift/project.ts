// Drift of released projects, from the cluster: the newest release record of each
// project (src/kube/release*.ts), its manifest, and the live objects it names.
import { loadAll } from 'js-yaml';
import { KUBERNETES_SCHEMA } from '../template/yaml-schema.js';
import type { KubeClient } from '../kube/client.js';
import { apiMessage } from '../kube/api-error.js';
import { groupOf, isPlainObject, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { mapSettled } from '../kube/pool.js';
import { decodeHead, LABEL_PART, LABEL_RELEASE_OF, LABEL_REVISION, type ReleaseHead } from '../deploy/release.js';
import { lockHolder } from '../deploy/lock.js';
import { ReleaseStore } from '../deploy/release-store.js';
import { driftFor, type DriftEntry, type ReleaseSnapshot } from './compute.js';
import { formatDriftSection, projectState, type ProjectDrift } from './format.js';


const CONCURRENCY = 8;

export interface ReleasedProject {
  namespace: string;
  project: string;
  /** Newest first. */
  heads: ReleaseHead[];
}

/** A head Secret that could not be read: where it is and why. */
export interface UnreadableHead {
  namespace: string;
  /** The Secret's name. */
  name: string;
  /** From the record's labels, when they are there. */
  project?: string;
  revision?: number;
  problem: string;
}

/** Release heads grouped by namespace and project (sorted, newest first), and the heads that could not be read. */
export function groupHeads(secrets: readonly KubeObject[]): { projects: ReleasedProject[]; unreadable: UnreadableHead[] } {
  const byProject = new Map<string, ReleasedProject>();
  const unreadable: UnreadableHead[] = [];
  for (const s of secrets) {
    let head: ReleaseHead;
    try {
      head = decodeHead(s);
    } catch (error) {
      const labels = s.metadata.labels ?? {};
      const revision = Number(labels[LABEL_REVISION]);
      unreadable.push({
        namespace: s.metadata.namespace ?? '',
        name: s.metadata.name,
        ...(labels[LABEL_RELEASE_OF] && { project: labels[LABEL_RELEASE_OF] }),
        ...(Number.isInteger(revision) && revision > 0 && { revision }),
        problem: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const ns = s.metadata.namespace ?? head.info.namespace;
    const key = `${ns}/${head.info.project}`;
    const entry = byProject.get(key) ?? { namespace: ns, project: head.info.project, heads: [] };
    entry.heads.push(head);
    byProject.set(key, entry);
  }
  for (const p of byProject.values()) p.heads.sort((a, b) => b.info.revision - a.info.revision);
  const projects = [...byProject.values()].sort((a, b) => (a.namespace + '/' + a.project).localeCompare(b.namespace + '/' + b.project));
  return { projects, unreadable };
}

/** The label selector of release heads. */
export const HEAD_SELECTOR = `${LABEL_PART}=head`;

/** Projects with release records, in one namespace or (namespace undefined) in all. Sorted. */
export async function releasedProjects(client: KubeClient, namespace?: string): Promise<ReleasedProject[]> {
  const { items: secrets } = await client.list('v1', 'Secret', { ...(namespace && { namespace }), labelSelector: HEAD_SELECTOR });
  return groupHeads(secrets).projects;
}

/** The release drift is measured against: the newest one not still being deployed. */
export function baselineHead(heads: readonly ReleaseHead[]): ReleaseHead | undefined {
  return heads.find((h) => h.info.outcome !== 'pending');
}

/** Kubernetes objects of a manifest text (`kind: List` flattened). */
export function manifestObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  const visit = (value: unknown) => {
    if (!isPlainObject(value)) return;
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach(visit);
      return;
    }
    if (typeof value.apiVersion === 'string' && typeof value.kind === 'string' && isPlainObject(value.metadata) && typeof value.metadata.name === 'string') {
      out.push(value as KubeObject);
    }
  };
  // The schema deploys parse with: `0755` is 493 there, as the API server stored it.
  for (const doc of loadAll(text, undefined, { schema: KUBERNETES_SCHEMA })) visit(doc);
  return out;
}

/** stringData is write-only: the server merges it into data (base64), so compare it there. */
export function normalizeReleased(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || groupOf(object.apiVersion) !== '' || !isPlainObject(object.stringData)) return object;
  const copy = structuredClone(object) as KubeObject & { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  const data: Record<string, unknown> = { ...(isPlainObject(copy.data) ? copy.data : {}) };
  for (const [k, v] of Object.entries(copy.stringData ?? {})) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  copy.data = data;
  delete copy.stringData;
  return copy;
}

const identity = (r: { apiVersion: string; kind: string; name: string }) => `${groupOf(r.apiVersion)}/${r.kind}/${r.name}`;

/** The release as drift.ts wants it: manifest objects carrying the namespaces the deploy gave them. */
export async function releaseSnapshot(client: KubeClient, namespace: string, head: ReleaseHead, sources: DriftSources = {}): Promise<ReleaseSnapshot> {
  const text = sources.manifest ? await sources.manifest(namespace, head) : await new ReleaseStore(client, namespace, head.info.project).manifest(head.info);
  const refs = new Map(head.info.objects.map((r) => [identity(r), r]));
  const objects = manifestObjects(text).map((o) => {
    const ref = refs.get(identity({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name }));
    const copy = normalizeReleased(o);
    if (ref?.namespace && !copy.metadata.namespace) copy.metadata = { ...copy.metadata, namespace: ref.namespace };
    return copy;
  });
  const snapshot: ReleaseSnapshot = { revision: head.info.revision, objects };
  const time = head.info.finishedAt ?? head.info.startedAt;
  if (time) snapshot.time = time;
  return snapshot;
}

/** The object's reference with the namespace a deploy gives it (none for cluster-scoped kinds). */
export async function placedRef(client: KubeClient, object: KubeObject, namespace: string): Promise<ObjectRef> {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  const resource = await (await client.discovery()).resolve(object.apiVersion, object.kind);
  if (resource?.namespaced !== false) ref.namespace = object.metadata.namespace ?? namespace;
  return ref;
}

/** Live objects for refs; absent ones are left out (drift reports them missing). */
export async function liveObjects(client: KubeClient, refs: readonly ObjectRef[]): Promise<KubeObject[]> {
  const settled = await mapSettled(refs, CONCURRENCY, (ref) => client.get(ref));
  const out: KubeObject[] = [];
  settled.forEach((s, i) => {
    if (!s.ok) throw new Error(`could not read ${refs[i]!.kind}/${refs[i]!.name}: ${apiMessage(s.error)}`);
    if (s.value) out.push(s.value);
  });
  return out;
}

/**
 * Where drift reads from. By default: the release's chunks and one GET per live
 * object; `eastern status` passes its cache of manifests and the objects it listed.
 */
export interface DriftSources {
  manifest?(namespace: string, head: ReleaseHead): Promise<string>;
  /** Live objects for refs; absent ones left out. */
  live?(refs: readonly ObjectRef[]): Promise<KubeObject[]>;
}

/** Drift of one released project against its newest finished release. */
export async function projectDrift(client: KubeClient, project: ReleasedProject, sources: DriftSources = {}): Promise<ProjectDrift> {
  const base = { namespace: project.namespace, project: project.project };
  const newest = project.heads[0];
  // A newest revision that never finished: its objects may be half at it and half at the one before.
  if (newest && (newest.info.outcome === 'pending' || newest.info.outcome === 'interrupted')) {
    const running = newest.info.outcome === 'pending' && (await lockHolder(client, project.namespace, project.project)) !== undefined;
    return { ...base, revision: newest.info.revision, state: running ? 'in-progress' : 'interrupted', entries: [] };
  }
  const head = baselineHead(project.heads);
  if (!head) {
    const newest = project.heads[0];
    return { ...base, state: 'in-progress', entries: [], ...(newest && { revision: newest.info.revision }) };
  }
  try {
    const snapshot = await releaseSnapshot(client, project.namespace, head, sources);
    const refs = head.info.objects.length > 0 ? head.info.objects : await Promise.all(snapshot.objects.map((o) => placedRef(client, o, project.namespace)));
    const live = sources.live ? await sources.live(refs) : await liveObjects(client, refs);
    const entries = driftFor([], live, snapshot, project.namespace);
    return { ...base, revision: head.info.revision, state: projectState(entries), entries };
  } catch (error) {
    return { ...base, revision: head.info.revision, state: 'unreadable', entries: [], problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Drift for `eastern diff`: the project's newest finished release in the namespace
 * against live objects, plus objects of the new manifest Eastern applied before.
 */
export async function diffDrift(client: KubeClient, namespace: string, project: string, objects: readonly KubeObject[]): Promise<DiffDrift> {
  const { heads } = await new ReleaseStore(client, namespace, project).list();
  const head = baselineHead(heads);
  const snapshot = head ? await releaseSnapshot(client, namespace, head) : undefined;
  const refs = new Map<string, ObjectRef>();
  for (const r of head?.info.objects ?? []) refs.set(identity(r), r);
  for (const o of objects) {
    if (!refs.has(identity({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name }))) {
      const ref = await placedRef(client, o, namespace);
      refs.set(identity(ref), ref);
    }
  }
  const live = await liveObjects(client, [...refs.values()]);
  const entries = driftFor(objects, live, snapshot, namespace);
  return { ...(head && { revision: head.info.revision }), entries };
}

export interface DiffDrift {
  /** The release compared with; absent when the project has none in the namespace. */
  revision?: number;
  entries: DriftEntry[];
}

/** Drift for `eastern diff` from the rendered manifest text (objects matched by kind and name). */
export async function driftForDiff(client: KubeClient, namespace: string, project: string, manifestText: string): Promise<DiffDrift> {
  return diffDrift(client, namespace, project, manifestObjects(manifestText));
}

/** The drift section of the diff's text output ('' when there is none). */
export function driftText(drift: DiffDrift): string {
  const section = formatDriftSection(drift.entries, drift.revision);
  return section ? `\n${section}` : '';
}
