// Drift: what changed in the cluster since Eastern's last release, and who did it.
// Two sources, both pure: (1) field ownership in managedFields — fields that a
// manager other than Eastern set after Eastern's last apply of the object; (2) the
// last release's manifest — fields whose live value no longer matches it and that
// Eastern no longer owns (so the difference is not just server-side normalisation).
import { FIELD_MANAGER, deepEqual, groupOf, isPlainObject, refOf, type KubeObject, type ObjectRef } from '../kube/objects.js';
import {
  fieldChild,
  formatPath,
  listShape,
  managedFieldsOf,
  mergeFields,
  ownedPaths,
  valueAt,
  type FieldsNode,
  type ManagedFieldsEntry,
  type Segment,
} from './managed-fields.js';

export interface DriftEntry {
  /** `deployment/web`: lower-case kind, as kubectl prints it. */
  object: string;
  ref: ObjectRef;
  /** Field path, e.g. `spec.replicas`; empty for a missing object. */
  path: string;
  change: 'changed' | 'added' | 'removed' | 'missing';
  /** Field managers that made the change (managedFields names such as `kubectl-scale`); empty when unknown. */
  managers: string[];
  /** True when no manager owns the field any more and `managers` are the ones active since the release. */
  inferred?: boolean;
  /** Value in the last release (absent when not set there, or masked). */
  released?: unknown;
  /** Live value (absent when removed, or masked). */
  live?: unknown;
  /** Secret data: values are never carried, only this description, e.g. `2 keys changed`. */
  masked?: string;
  /** When the manager last wrote the object (managedFields time). */
  time?: string;
}

export interface ReleaseSnapshot {
  revision?: number;
  /** When the release was applied (ISO 8601); used when an object has no Eastern entry. */
  time?: string;
  /** The objects of the release's manifest. */
  objects: readonly KubeObject[];
}

/** Managers whose writes are the cluster doing its job, not a person changing the spec. */
export const CONTROLLER_MANAGERS: ReadonlySet<string> = new Set([
  'kube-controller-manager',
  'kube-scheduler',
  'kube-apiserver',
  'kubelet',
  'before-first-apply',
]);

/** Fields that tools write as bookkeeping; never drift by themselves. */
const NOISE_PATHS: ReadonlySet<string> = new Set([
  'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
  'metadata.annotations["deployment.kubernetes.io/revision"]',
  'metadata.annotations["deprecated.daemonset.template.generation"]',
]);

export function isEasternManager(manager: string | undefined): boolean {
  return manager === FIELD_MANAGER || (manager?.startsWith(`${FIELD_MANAGER}-`) ?? false);
}

export function isControllerEntry(entry: ManagedFieldsEntry): boolean {
  return entry.subresource === 'status' || CONTROLLER_MANAGERS.has(entry.manager ?? '');
}

export function objectName(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

function timeOf(entry: ManagedFieldsEntry): number | undefined {
  const t = entry.time ? Date.parse(entry.time) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

function prefixes(segments: readonly Segment[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) out.push(formatPath(segments.slice(0, i)));
  return out;
}

function isSecretData(kind: string, segments: readonly Segment[]): boolean {
  const first = segments[0];
  return kind === 'Secret' && first !== undefined && 'field' in first && (first.field === 'data' || first.field === 'stringData');
}

function underStatus(segments: readonly Segment[]): boolean {
  const first = segments[0];
  return first !== undefined && 'field' in first && first.field === 'status';
}

function changeOf(released: unknown, live: unknown): DriftEntry['change'] {
  if (released === undefined) return 'added';
  if (live === undefined) return 'removed';
  return 'changed';
}

/** The item of `list` a release item stands for: key fields it omits (defaulted) match anything. */
function findByPartialKey(list: readonly unknown[], item: unknown, keys: readonly string[]): unknown {
  if (!isPlainObject(item)) return undefined;
  const present = keys.filter((k) => item[k] !== undefined);
  if (present.length === 0) return undefined;
  return list.find((candidate) => isPlainObject(candidate) && present.every((k) => deepEqual(candidate[k], item[k])));
}

function pick(item: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(item)) return out;
  for (const k of keys) if (item[k] !== undefined) out[k] = item[k];
  return out;
}

interface Difference {
  segments: Segment[];
  released: unknown;
  live: unknown;
}

/** Leaves of the release that differ from live, walking lists the way the field sets merge them. */
export function releaseDifferences(released: KubeObject, live: KubeObject, hints: FieldsNode): Difference[] {
  const out: Difference[] = [];
  const walk = (rel: unknown, cur: unknown, hint: FieldsNode | undefined, segments: Segment[]) => {
    if (rel === undefined || rel === null) return;
    const atomic = hint !== undefined && Object.keys(hint).every((k) => k === '.');
    if (atomic) {
      if (!deepEqual(rel, cur)) out.push({ segments, released: rel, live: cur });
      return;
    }
    if (isPlainObject(rel)) {
      if (!isPlainObject(cur)) {
        if (Object.keys(rel).length > 0 || cur !== undefined) out.push({ segments, released: rel, live: cur });
        return;
      }
      for (const [k, v] of Object.entries(rel)) walk(v, cur[k], fieldChild(hint, k), [...segments, { field: k }]);
      return;
    }
    if (Array.isArray(rel)) {
      const shape = listShape(hint);
      if (shape.type === 'map' && Array.isArray(cur)) {
        for (const item of rel) {
          const match = findByPartialKey(cur, item, shape.keys);
          if (match === undefined) {
            out.push({ segments: [...segments, { key: pick(item, shape.keys) }], released: item, live: undefined });
            continue;
          }
          const key = pick(match, shape.keys);
          const element = shape.elements.find((e) => deepEqual(e.key, key))?.node;
          walk(item, match, element, [...segments, { key }]);
        }
        return;
      }
      if (shape.type === 'set' && Array.isArray(cur)) {
        for (const item of rel) {
          if (!cur.some((c) => deepEqual(c, item))) out.push({ segments: [...segments, { value: item }], released: item, live: undefined });
        }
        return;
      }
      if (!deepEqual(rel, cur)) out.push({ segments, released: rel, live: cur });
      return;
    }
    if (!deepEqual(rel, cur)) out.push({ segments, released: rel, live: cur });
  };
  // Only what a manifest decides: labels, annotations and the body; never status or server metadata.
  const relMeta: Record<string, unknown> = isPlainObject(released.metadata) ? released.metadata : {};
  const curMeta: Record<string, unknown> = isPlainObject(live.metadata) ? live.metadata : {};
  const metaHint = fieldChild(hints, 'metadata');
  for (const field of ['labels', 'annotations']) {
    walk(relMeta[field], curMeta[field], fieldChild(metaHint, field), [{ field: 'metadata' }, { field }]);
  }
  for (const [k, v] of Object.entries(released)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status') continue;
    walk(v, live[k], fieldChild(hints, k), [{ field: k }]);
  }
  return out;
}

export interface ObjectDriftInput {
  live: KubeObject;
  /** The object as the last release's manifest had it. */
  released?: KubeObject;
  /** Release time, used when the object carries no Eastern managedFields entry. */
  releaseTime?: string;
}

/** Drift of one live object. Secret data is masked. Sorted by path. */
export function driftForObject(input: ObjectDriftInput): DriftEntry[] {
  const { live, released } = input;
  const ref = refOf(live);
  const object = objectName(ref);
  const entries = managedFieldsOf(live);
  const eastern = entries.filter((e) => isEasternManager(e.manager));
  const easternPaths = new Set<string>();
  const easternPrefixes = new Set<string>();
  for (const e of eastern) {
    for (const owned of ownedPaths(e.fieldsV1)) {
      easternPaths.add(owned.path);
      for (const p of prefixes(owned.segments)) easternPrefixes.add(p);
    }
  }
  // Eastern's last apply of this object; writes before it were reconciled by that apply.
  const applies = eastern.filter((e) => e.operation === 'Apply');
  const times = (applies.length > 0 ? applies : eastern).map(timeOf).filter((t): t is number => t !== undefined);
  const releaseTime = input.releaseTime ? Date.parse(input.releaseTime) : NaN;
  const cutoff = times.length > 0 ? Math.max(...times) : Number.isNaN(releaseTime) ? undefined : releaseTime;

  const others = entries.filter((e) => !isEasternManager(e.manager));
  const recent = others.filter((e) => {
    if (isControllerEntry(e)) return false;
    const t = timeOf(e);
    return cutoff === undefined || t === undefined || t >= cutoff;
  });

  const found = new Map<string, DriftEntry & { segments: Segment[] }>();
  const add = (segments: Segment[], managers: string[], time: string | undefined, inferred = false) => {
    const path = formatPath(segments);
    const existing = found.get(path);
    if (existing) {
      for (const m of managers) if (!existing.managers.includes(m)) existing.managers.push(m);
      if (time && (!existing.time || time > existing.time)) existing.time = time;
      return;
    }
    const relValue = released ? valueAt(released, segments, true) : undefined;
    const liveValue = valueAt(live, segments);
    const entry: DriftEntry & { segments: Segment[] } = {
      object, ref, path, segments,
      // Without a release there is no "before": only whether the field is there now.
      change: released ? changeOf(relValue, liveValue) : liveValue === undefined ? 'removed' : 'changed',
      managers: [...managers],
    };
    if (inferred) entry.inferred = true;
    if (relValue !== undefined) entry.released = relValue;
    if (liveValue !== undefined) entry.live = liveValue;
    if (time) entry.time = time;
    found.set(path, entry);
  };

  // (1) Fields another manager wrote since Eastern's last apply and Eastern does not own.
  for (const e of recent) {
    const collapsed: string[] = [];
    for (const owned of ownedPaths(e.fieldsV1)) {
      if (underStatus(owned.segments) || NOISE_PATHS.has(owned.path) || easternPaths.has(owned.path)) continue;
      if (collapsed.some((c) => owned.path.startsWith(c) && /^[.[]/.test(owned.path.slice(c.length)))) continue;
      if (!owned.leaf) {
        // A whole list element someone else added: one line, not one per field.
        if (easternPrefixes.has(owned.path)) continue;
        collapsed.push(owned.path);
      }
      add(owned.segments, [e.manager ?? '(unknown manager)'], e.time);
    }
  }

  // (2) Release fields whose live value differs and that Eastern no longer owns.
  if (released) {
    const hints = mergeFields(entries.map((e) => e.fieldsV1));
    const ownersOf = (path: string) => others.filter((e) => ownedPaths(e.fieldsV1).some((o) => o.path === path));
    for (const d of releaseDifferences(released, live, hints)) {
      const path = formatPath(d.segments);
      if (easternPaths.has(path) || NOISE_PATHS.has(path)) continue;
      const owners = ownersOf(path);
      if (owners.length > 0 && owners.every(isControllerEntry)) continue;
      const named = owners.filter((e) => !isControllerEntry(e));
      if (named.length > 0) {
        for (const e of named) add(d.segments, [e.manager ?? '(unknown manager)'], e.time);
      } else {
        const guess = recent.map((e) => e.manager ?? '(unknown manager)');
        add(d.segments, [...new Set(guess)], undefined, true);
      }
    }
  }

  const list = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return maskSecretData(list).map(({ segments: _segments, ...entry }) => entry);
}

/** Secret data never leaves this function with values: one entry `data (n keys changed)` per object. */
function maskSecretData<T extends DriftEntry & { segments: Segment[] }>(entries: T[]): T[] {
  const out: T[] = [];
  let merged: T | undefined;
  let keys = 0;
  for (const entry of entries) {
    if (!isSecretData(entry.ref.kind, entry.segments)) {
      out.push(entry);
      continue;
    }
    keys += entry.segments.length > 1 ? 1 : Math.max(1, countKeys(entry.released, entry.live));
    if (!merged) {
      merged = { ...entry, path: 'data', segments: [{ field: 'data' }], change: 'changed', managers: [...entry.managers] };
      delete merged.released;
      delete merged.live;
      delete merged.inferred;
      out.push(merged);
    } else {
      for (const m of entry.managers) if (!merged.managers.includes(m)) merged.managers.push(m);
      if (entry.time && (!merged.time || entry.time > merged.time)) merged.time = entry.time;
    }
  }
  if (merged) merged.masked = `${keys} ${keys === 1 ? 'key' : 'keys'} changed`;
  return out;
}

function countKeys(a: unknown, b: unknown): number {
  const names = new Set<string>();
  const ra = isPlainObject(a) ? a : {};
  const rb = isPlainObject(b) ? b : {};
  for (const k of Object.keys(ra)) names.add(k);
  for (const k of Object.keys(rb)) names.add(k);
  return [...names].filter((k) => !deepEqual(ra[k], rb[k])).length;
}

function identity(object: KubeObject): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.name}`;
}

/**
 * Drift of a project: for every object of the last release (and every object of the
 * new manifest that Eastern already applied), what changed since. `live` holds every
 * live object found among them; an object of the release absent from `live` is
 * reported `missing`. Objects are matched by group, kind and name (one project, one
 * namespace), then namespace.
 */
export function driftFor(
  objects: readonly KubeObject[],
  live: readonly KubeObject[],
  lastRelease: ReleaseSnapshot | undefined,
  namespace?: string,
): DriftEntry[] {
  const liveByIdentity = new Map<string, KubeObject[]>();
  for (const o of live) {
    const list = liveByIdentity.get(identity(o)) ?? [];
    list.push(o);
    liveByIdentity.set(identity(o), list);
  }
  const findLive = (o: KubeObject): KubeObject | undefined => {
    const candidates = liveByIdentity.get(identity(o)) ?? [];
    if (candidates.length <= 1) return candidates[0];
    const ns = o.metadata.namespace ?? namespace;
    return candidates.find((c) => c.metadata.namespace === ns);
  };

  const out: DriftEntry[] = [];
  const seen = new Set<string>();
  for (const released of lastRelease?.objects ?? []) {
    const key = identity(released);
    if (seen.has(key)) continue;
    seen.add(key);
    const current = findLive(released);
    if (!current) {
      const ref = refOf(released);
      const ns = released.metadata.namespace ?? namespace;
      if (ns) ref.namespace = ns;
      out.push({ object: objectName(ref), ref, path: '', change: 'missing', managers: [] });
      continue;
    }
    const input: ObjectDriftInput = { live: current, released };
    if (lastRelease?.time) input.releaseTime = lastRelease.time;
    out.push(...driftForObject(input));
  }
  for (const desired of objects) {
    const key = identity(desired);
    if (seen.has(key)) continue;
    seen.add(key);
    const current = findLive(desired);
    // Without a release there is no baseline, unless Eastern applied the object before.
    if (!current || !managedFieldsOf(current).some((e) => isEasternManager(e.manager))) continue;
    out.push(...driftForObject({ live: current }));
  }
  return out;
}
