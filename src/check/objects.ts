// The manifest's objects as the rules see them, and what is special about each
// workload kind (where its pod template is, whether it has replicas, whether it
// serves traffic) in one table, so no rule asks `kind === …` itself.
import { groupOf, isPlainObject, type KubeObject } from '../kube/objects.js';
import type { ManifestDocument } from '../template/types.js';
import type { CheckObject, FieldPath } from './types.js';

/** Objects of the documents (`kind: List` flattened); documents that are not objects are left to the deploy's validation. */
export function checkObjects(documents: readonly ManifestDocument[], namespace: string): CheckObject[] {
  const out: CheckObject[] = [];
  const visit = (value: unknown, doc: ManifestDocument, base: FieldPath) => {
    if (!isPlainObject(value)) return;
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item, i) => visit(item, doc, [...base, 'items', i]));
      return;
    }
    const metadata = value.metadata;
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isPlainObject(metadata) || typeof metadata.name !== 'string') return;
    const ns = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : namespace;
    out.push({ object: value as KubeObject, namespace: ns, document: doc.index, base, source: doc.source });
  };
  for (const doc of documents) visit(doc.value, doc, []);
  return out;
}

/** What is special about a workload kind. */
interface WorkloadKind {
  groups: readonly string[];
  /** Path of the pod template (metadata + spec); [] for a bare Pod. */
  template: FieldPath;
  /** Runs pods that keep running (a Service can send them traffic). */
  serving: boolean;
  /** Has spec.replicas. */
  replicas: boolean;
}

const WORKLOADS: Readonly<Record<string, WorkloadKind>> = {
  Pod: { groups: [''], template: [], serving: true, replicas: false },
  Deployment: { groups: ['apps', 'extensions'], template: ['spec', 'template'], serving: true, replicas: true },
  StatefulSet: { groups: ['apps'], template: ['spec', 'template'], serving: true, replicas: true },
  ReplicaSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'], serving: true, replicas: true },
  ReplicationController: { groups: [''], template: ['spec', 'template'], serving: true, replicas: true },
  DaemonSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'], serving: true, replicas: false },
  Job: { groups: ['batch'], template: ['spec', 'template'], serving: false, replicas: false },
  CronJob: { groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'], serving: false, replicas: false },
};

export function workloadKind(object: KubeObject): WorkloadKind | undefined {
  const w = WORKLOADS[object.kind];
  return w && w.groups.includes(groupOf(object.apiVersion)) ? w : undefined;
}

/** True for a core/v1 kind, or a kind of the given groups. */
export function isKind(object: KubeObject, kind: string, groups: readonly string[] = ['']): boolean {
  return object.kind === kind && groups.includes(groupOf(object.apiVersion));
}

export function at(value: unknown, path: FieldPath): unknown {
  let v = value;
  for (const step of path) {
    if (typeof step === 'number') v = Array.isArray(v) ? v[step] : undefined;
    else v = isPlainObject(v) ? v[step] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

export interface Container {
  /** Path from the object's root. */
  path: FieldPath;
  value: Record<string, unknown>;
  name: string;
  init: boolean;
}

/** A workload's pod template: its labels, its pod spec, its containers. */
export interface PodTemplate {
  owner: CheckObject;
  kind: WorkloadKind;
  /** Path of the pod spec from the object's root. */
  specPath: FieldPath;
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  containers: Container[];
}

function stringMap(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function podTemplate(owner: CheckObject): PodTemplate | undefined {
  const kind = workloadKind(owner.object);
  if (!kind) return undefined;
  const template = kind.template.length === 0 ? owner.object : at(owner.object, kind.template);
  if (!isPlainObject(template)) return undefined;
  const specPath = [...kind.template, 'spec'];
  const spec = isPlainObject(template.spec) ? template.spec : {};
  const labels = stringMap(isPlainObject(template.metadata) ? template.metadata.labels : undefined);
  const containers: Container[] = [];
  for (const [field, init] of [['containers', false], ['initContainers', true]] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isPlainObject(c)) containers.push({ path: [...specPath, field, i], value: c, name: typeof c.name === 'string' ? c.name : `#${i + 1}`, init });
    });
  }
  return { owner, kind, specPath, spec, labels, containers };
}

export function podTemplates(objects: readonly CheckObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const t = podTemplate(o);
    if (t) out.push(t);
  }
  return out;
}

/** `Deployment/web`. */
export function nameOf(o: CheckObject): string {
  return `${o.object.kind}/${o.object.metadata.name}`;
}

/** spec.replicas of a workload with replicas (1 when unset), else undefined. */
export function replicasOf(t: PodTemplate): number | undefined {
  if (!t.kind.replicas) return undefined;
  const r = at(t.owner.object, ['spec', 'replicas']);
  return typeof r === 'number' ? r : 1;
}

// ---- label selectors (the subset of metav1.LabelSelector manifests use)

export interface Selector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: string; values: string[] }[];
}

/** A LabelSelector value, or undefined when it is not one. */
export function selectorOf(value: unknown): Selector | undefined {
  if (!isPlainObject(value)) return undefined;
  const matchExpressions: Selector['matchExpressions'] = [];
  if (Array.isArray(value.matchExpressions)) {
    for (const e of value.matchExpressions) {
      if (!isPlainObject(e) || typeof e.key !== 'string' || typeof e.operator !== 'string') continue;
      matchExpressions.push({ key: e.key, operator: e.operator, values: Array.isArray(e.values) ? e.values.map(String) : [] });
    }
  }
  return { matchLabels: stringMap(value.matchLabels), matchExpressions };
}

export function matches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A Service-style selector (a plain label map) matches when every label is on the pod. */
export function mapMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export const describeLabels = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
