// managedFields (server-side apply's record of who set which field) parsed into
// readable field paths such as `spec.template.spec.containers[name=web].image`.
// FieldsV1 keys: `f:<field>`, `k:<json of list-map keys>`, `v:<json of a set value>`,
// `i:<index>`, and `.` for "the element itself".
import { deepEqual, isPlainObject } from '../kube/objects.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

export type Segment =
  | { field: string }
  | { key: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

/** A FieldsV1 tree: every node is an object; `{}` is a leaf. */
export type FieldsNode = { [key: string]: FieldsNode };

export interface OwnedPath {
  path: string;
  segments: Segment[];
  /** The node owns a list element itself (`.`) or is a leaf. */
  leaf: boolean;
}

export function parseFieldKey(key: string): Segment | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  try {
    if (kind === 'f:') return { field: rest };
    if (kind === 'k:') {
      const parsed: unknown = JSON.parse(rest);
      return isPlainObject(parsed) ? { key: parsed } : undefined;
    }
    if (kind === 'v:') return { value: JSON.parse(rest) as unknown };
    if (kind === 'i:') return { index: Number(rest) };
  } catch {
    // A key we cannot read is skipped rather than failing the whole report.
  }
  return undefined;
}

const PLAIN_FIELD = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PLAIN_VALUE = /^[^\s,=\[\]"]+$/;

function formatScalar(value: unknown): string {
  return typeof value === 'string' && PLAIN_VALUE.test(value) ? value : JSON.stringify(value);
}

export function formatSegment(segment: Segment, first: boolean): string {
  if ('field' in segment) {
    if (PLAIN_FIELD.test(segment.field)) return first ? segment.field : `.${segment.field}`;
    return `[${JSON.stringify(segment.field)}]`;
  }
  if ('key' in segment) {
    const parts = Object.keys(segment.key).sort().map((k) => `${k}=${formatScalar(segment.key[k])}`);
    return `[${parts.join(',')}]`;
  }
  if ('value' in segment) return `[=${JSON.stringify(segment.value)}]`;
  return `[${segment.index}]`;
}

/** `spec.ports[port=80,protocol=TCP].nodePort`, `metadata.labels["app.kubernetes.io/name"]`. */
export function formatPath(segments: readonly Segment[]): string {
  return segments.map((s, i) => formatSegment(s, i === 0)).join('');
}

function asNode(value: unknown): FieldsNode {
  return (isPlainObject(value) ? value : {}) as FieldsNode;
}

function childKeys(node: FieldsNode): string[] {
  return Object.keys(node).filter((k) => k !== '.');
}

/** Every owned path of a field set: leaves, plus list elements owned as such (`.`). */
export function ownedPaths(fieldsV1: unknown): OwnedPath[] {
  const out: OwnedPath[] = [];
  const walk = (node: FieldsNode, segments: Segment[]) => {
    for (const key of childKeys(node)) {
      const segment = parseFieldKey(key);
      if (!segment) continue;
      const child = asNode(node[key]);
      const path = [...segments, segment];
      const children = childKeys(child);
      if (children.length === 0) {
        out.push({ path: formatPath(path), segments: path, leaf: true });
      } else {
        if ('.' in child && !('field' in segment)) out.push({ path: formatPath(path), segments: path, leaf: false });
        walk(child, path);
      }
    }
  };
  walk(asNode(fieldsV1), []);
  return out;
}

/** Union of several FieldsV1 trees, used to learn list keys and atomic fields. */
export function mergeFields(trees: readonly unknown[]): FieldsNode {
  const merged: FieldsNode = {};
  const merge = (into: FieldsNode, from: FieldsNode) => {
    for (const [key, value] of Object.entries(from)) {
      const target = (into[key] ??= {});
      merge(target, asNode(value));
    }
  };
  for (const tree of trees) merge(merged, asNode(tree));
  return merged;
}

export function fieldChild(node: FieldsNode | undefined, name: string): FieldsNode | undefined {
  return node?.[`f:${name}`];
}

/** How a list is merged, as far as the field sets tell. */
export type ListShape =
  | { type: 'map'; keys: string[]; elements: { key: Record<string, unknown>; node: FieldsNode }[] }
  | { type: 'set'; elements: { value: unknown; node: FieldsNode }[] }
  | { type: 'index' }
  | { type: 'atomic' };

export function listShape(node: FieldsNode | undefined): ListShape {
  if (!node) return { type: 'atomic' };
  const keys = childKeys(node);
  if (keys.length === 0) return { type: 'atomic' };
  const mapElements: { key: Record<string, unknown>; node: FieldsNode }[] = [];
  const setElements: { value: unknown; node: FieldsNode }[] = [];
  let indexed = false;
  for (const k of keys) {
    const segment = parseFieldKey(k);
    if (!segment) continue;
    if ('key' in segment) mapElements.push({ key: segment.key, node: asNode(node[k]) });
    else if ('value' in segment) setElements.push({ value: segment.value, node: asNode(node[k]) });
    else if ('index' in segment) indexed = true;
  }
  if (mapElements.length > 0) {
    const names = new Set<string>();
    for (const e of mapElements) for (const n of Object.keys(e.key)) names.add(n);
    return { type: 'map', keys: [...names].sort(), elements: mapElements };
  }
  if (setElements.length > 0) return { type: 'set', elements: setElements };
  return indexed ? { type: 'index' } : { type: 'atomic' };
}

/**
 * The value at a path of a plain object, or undefined. `lenient` lets list items
 * omit key fields (a manifest leaves `protocol: TCP` to the server's default).
 */
export function valueAt(root: unknown, segments: readonly Segment[], lenient = false): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === undefined) return undefined;
    if ('field' in segment) {
      current = isPlainObject(current) ? current[segment.field] : undefined;
    } else if ('key' in segment) {
      const key = segment.key;
      current = Array.isArray(current)
        ? current.find((item) => matchesKey(item, key)) ?? (lenient ? current.find((item) => matchesPresentKey(item, key)) : undefined)
        : undefined;
    } else if ('value' in segment) {
      current = Array.isArray(current) ? current.find((item) => deepEqual(item, segment.value)) : undefined;
    } else {
      current = Array.isArray(current) ? current[segment.index] : undefined;
    }
  }
  return current;
}

/** True when every key field of `key` equals the item's field. */
export function matchesKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isPlainObject(item)) return false;
  return Object.entries(key).every(([k, v]) => deepEqual(item[k], v));
}

/** Like matchesKey, but key fields the item leaves out match anything (at least one must be present). */
export function matchesPresentKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isPlainObject(item)) return false;
  const present = Object.keys(key).filter((k) => item[k] !== undefined);
  return present.length > 0 && present.every((k) => deepEqual(item[k], key[k]));
}

export function managedFieldsOf(object: { metadata?: unknown }): ManagedFieldsEntry[] {
  const metadata = object.metadata;
  if (!isPlainObject(metadata) || !Array.isArray(metadata.managedFields)) return [];
  return metadata.managedFields.filter(isPlainObject) as ManagedFieldsEntry[];
}
