// When may a deploy leave an object alone? Only when it can prove that applying it
// would change nothing: the desired object is exactly what Eastern applied last
// (same fingerprint of its content), and nobody touched a field Eastern owns since
// (its server-side-apply ownership entry — fields, version and time — is exactly as
// the API server returned it after that apply). Anyone else's write to an owned
// field moves the field to that writer and changes the entry; a deleted object is
// not in the list; a status update by a controller leaves the entry as it was.
// Everything that cannot be proven goes through dry run and apply.
import { createHash } from 'node:crypto';
import { FIELD_MANAGER, isPlainObject, type KubeObject } from '../kube/objects.js';
import type { PlannedObject } from './plan.js';

/** Per object (by key): the desired content's fingerprint and Eastern's ownership entry after the apply. */
export type Fingerprints = Record<string, { desired: string; owned: string }>;

function short(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** A plain object's keys in sorted order (itself when they already are); for JSON.stringify. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = (keys[i - 1] as string) < (keys[i] as string);
  if (inOrder) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = value[k];
  return out;
}

/**
 * JSON with keys sorted, so equal objects give equal text whatever their key order.
 * The native JSON.stringify with a replacer: about three times faster than building the text by hand.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

/** The fingerprint of what a deploy sends for an object. */
export function desiredFingerprint(object: KubeObject): string {
  return short(canonical(object));
}

/**
 * The fingerprint of Eastern's ownership of a live object: its Apply entry in
 * managedFields (fields, apiVersion and time). Undefined when Eastern owns nothing there.
 */
export function ownedFingerprint(live: KubeObject): string | undefined {
  const entries = Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : [];
  const mine = entries.filter((e): e is Record<string, unknown> => isPlainObject(e) && e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource);
  if (mine.length !== 1) return undefined;
  const [entry] = mine as [Record<string, unknown>];
  return short(canonical({ apiVersion: entry.apiVersion, time: entry.time, fields: entry.fieldsV1 }));
}

/** Kinds that always go through dry run and apply: changing them changes what the cluster serves. */
const ALWAYS_APPLIED = new Set(['CustomResourceDefinition', 'APIService']);

/**
 * The objects a deploy may skip: provably unchanged since Eastern last applied
 * them (see above). `last` holds what the newest release recorded.
 */
export function provablyUnchanged(objects: readonly PlannedObject[], live: ReadonlyMap<string, KubeObject>, last: Fingerprints | undefined): Set<string> {
  const out = new Set<string>();
  if (!last) return out;
  for (const o of objects) {
    if (o.viaCrd || ALWAYS_APPLIED.has(o.object.kind)) continue;
    const recorded = last[o.key];
    const current = live.get(o.key);
    if (!recorded || !current) continue;
    if (recorded.desired === desiredFingerprint(o.object) && recorded.owned === ownedFingerprint(current)) out.add(o.key);
  }
  return out;
}
