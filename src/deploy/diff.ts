// Field-level differences between a live object and what the server says it would
// become (the server-side dry-run result), without the noise the server adds
// (managedFields, resourceVersion, generation, status…). Secret values never
// leave this module: Secret data is summarised as a count of changed keys.

import { deepEqual, isPlainObject, type KubeObject } from '../kube/objects.js';
import { MASK } from '../secrets/masking.js';

export interface FieldChange {
  /** `spec.template.spec.containers[name=web].image` */
  path: string;
  op: 'add' | 'remove' | 'change';
  before?: unknown;
  after?: unknown;
}

const METADATA_NOISE = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'];
const ANNOTATION_NOISE = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/** A copy without server bookkeeping, for comparing and showing. */
export function normalizeForDiff(object: KubeObject): Record<string, unknown> {
  const copy = structuredClone(object) as Record<string, unknown>;
  delete copy.status;
  const metadata = copy.metadata;
  if (isPlainObject(metadata)) {
    for (const k of METADATA_NOISE) delete metadata[k];
    if (isPlainObject(metadata.annotations)) {
      for (const k of ANNOTATION_NOISE) delete metadata.annotations[k];
      if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
    }
  }
  return copy;
}

export function isSecret(object: { apiVersion?: unknown; kind?: unknown }): boolean {
  return object.kind === 'Secret' && object.apiVersion === 'v1';
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function keySegment(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function joinPath(base: string, segment: string): string {
  const p = base + segment;
  return p.startsWith('.') ? p.slice(1) : p;
}

/** Arrays of objects that all have a unique string `name` are compared by name (containers, env, ports…). */
function nameKeyed(a: unknown[], b: unknown[]): boolean {
  const names = (list: unknown[]) => list.map((x) => (isPlainObject(x) && typeof x.name === 'string' ? x.name : undefined));
  const na = names(a);
  const nb = names(b);
  if (na.includes(undefined) || nb.includes(undefined)) return false;
  return new Set(na).size === na.length && new Set(nb).size === nb.length && (a.length > 0 || b.length > 0);
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (deepEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of [...keys].sort()) {
      const p = joinPath(path, keySegment(k));
      if (!(k in after)) out.push({ path: p, op: 'remove', before: before[k] });
      else if (!(k in before)) out.push({ path: p, op: 'add', after: after[k] });
      else walk(before[k], after[k], p, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (nameKeyed(before, after)) {
      const byName = (list: unknown[]) => new Map(list.map((x) => [(x as { name: string }).name, x]));
      const mb = byName(before);
      const ma = byName(after);
      for (const [name, item] of mb) {
        const p = `${path}[name=${name}]`;
        if (!ma.has(name)) out.push({ path: p, op: 'remove', before: item });
        else walk(item, ma.get(name), p, out);
      }
      for (const [name, item] of ma) if (!mb.has(name)) out.push({ path: `${path}[name=${name}]`, op: 'add', after: item });
      return;
    }
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: p, op: 'remove', before: before[i] });
      else if (i >= before.length) out.push({ path: p, op: 'add', after: after[i] });
      else walk(before[i], after[i], p, out);
    }
    return;
  }
  out.push({ path: path || '(whole object)', op: 'change', before, after });
}

export interface ObjectDiff {
  changes: FieldChange[];
  /** For Secrets: keys of data/stringData added, removed or changed (values never shown). */
  secretKeysChanged?: number;
}

/** What changes from `live` to `desired`; Secret data reduced to a count. */
export function diffObjects(live: KubeObject, desired: KubeObject): ObjectDiff {
  const before = normalizeForDiff(live);
  const after = normalizeForDiff(desired);
  if (!isSecret(desired)) {
    const changes: FieldChange[] = [];
    walk(before, after, '', changes);
    return { changes };
  }
  const secretKeys = countChangedKeys(before, after);
  for (const o of [before, after]) {
    delete o.data;
    delete o.stringData;
  }
  const changes: FieldChange[] = [];
  walk(before, after, '', changes);
  return { changes, secretKeysChanged: secretKeys };
}

/** Keys whose value differs between two Secrets (stringData counted as data, as the server merges it). */
export function countChangedKeys(before: Record<string, unknown>, after: Record<string, unknown>): number {
  const values = (o: Record<string, unknown>) => {
    const m = new Map<string, string>();
    if (isPlainObject(o.data)) for (const [k, v] of Object.entries(o.data)) m.set(k, String(v));
    if (isPlainObject(o.stringData)) for (const [k, v] of Object.entries(o.stringData)) m.set(k, Buffer.from(String(v)).toString('base64'));
    return m;
  };
  const a = values(before);
  const b = values(after);
  let n = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) n++;
  return n;
}

/** Number of data keys a new Secret would get. */
export function secretKeyCount(object: Record<string, unknown>): number {
  return countChangedKeys({}, object);
}

const MAX_VALUE = 70;

/** A value for one diff line: JSON, shortened; multi-line strings as their first line and a count. */
export function showValue(value: unknown): string {
  if (typeof value === 'string' && value.includes('\n')) {
    const lines = value.split('\n');
    return `${JSON.stringify(lines[0]!.slice(0, MAX_VALUE) + '…')} (${lines.length} lines)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

export function formatChange(change: FieldChange): string {
  switch (change.op) {
    case 'add':
      return `+ ${change.path}: ${showValue(change.after)}`;
    case 'remove':
      return `- ${change.path}: ${showValue(change.before)}`;
    default:
      return `~ ${change.path}: ${showValue(change.before)} → ${showValue(change.after)}`;
  }
}

/** Lines describing one object's diff (Secret data as a count), for text output. */
export function formatObjectDiff(diff: ObjectDiff): string[] {
  const lines = diff.changes.map(formatChange);
  if (diff.secretKeysChanged) lines.push(`~ data: (${diff.secretKeysChanged} ${diff.secretKeysChanged === 1 ? 'key' : 'keys'} changed)`);
  return lines;
}

/**
 * Field changes whose old or new value holds a secret-looking variable's value lose
 * both values (the old one cannot be masked by name: the release record never kept
 * it). The path still says what changed.
 */
export function maskChangedValues(diff: ObjectDiff, secrets: readonly string[]): ObjectDiff {
  if (secrets.length === 0) return diff;
  const holds = (v: unknown) => v !== undefined && secrets.some((s) => JSON.stringify(v).includes(JSON.stringify(s).slice(1, -1)));
  return {
    ...diff,
    changes: diff.changes.map((c) => (holds(c.before) || holds(c.after)
      ? { path: c.path, op: c.op, ...(c.before !== undefined && { before: MASK }), ...(c.after !== undefined && { after: MASK }) }
      : c)),
  };
}
