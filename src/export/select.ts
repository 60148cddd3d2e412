// Which kinds and which objects an export takes. Kinds: every namespaced resource
// the cluster lists, minus those that only ever hold generated or transient
// objects. Objects: minus what controllers create for other objects, what the
// cluster creates in every namespace, and Eastern's own bookkeeping.
import { UsageError } from '../errors.js';
import { groupOf, isPlainObject, type KubeObject } from '../kube/objects.js';

import type { ApiResource } from '../kube/discovery.js';

export type { ApiResource };

/** Kinds left out unless named with --kinds: generated, transient, or not manifests. */
export const SKIPPED_KINDS: readonly { group: string; kind: string; why: string }[] = [
  { group: '', kind: 'Event', why: 'events are history, not configuration' },
  { group: 'events.k8s.io', kind: 'Event', why: 'events are history, not configuration' },
  { group: '', kind: 'Endpoints', why: 'maintained by the endpoints controller from Services' },
  { group: 'discovery.k8s.io', kind: 'EndpointSlice', why: 'maintained by the endpoint-slice controller from Services' },
  { group: 'coordination.k8s.io', kind: 'Lease', why: 'leader election and locks (including Eastern deploy locks)' },
  { group: 'apps', kind: 'ControllerRevision', why: 'revision history of StatefulSets and DaemonSets' },
  { group: 'metrics.k8s.io', kind: 'PodMetrics', why: 'measurements' },
  { group: 'storage.k8s.io', kind: 'CSIStorageCapacity', why: 'published by storage drivers' },
];

function isSkippedKind(r: ApiResource): boolean {
  return SKIPPED_KINDS.some((s) => s.group === r.group && s.kind === r.kind);
}

function names(r: ApiResource): string[] {
  const plain = [r.kind, r.plural, r.singular, ...r.shortNames].filter((n) => n !== '').map((n) => n.toLowerCase());
  if (!r.group) return plain;
  return [...plain, ...plain.map((n) => `${n}.${r.group}`)];
}

/**
 * Namespaced, listable resources to export. `kinds` (from --kinds) are matched like
 * kubectl names them: kind, plural, singular or short name, optionally `.group`.
 */
export function selectResources(resources: readonly ApiResource[], kinds?: readonly string[]): ApiResource[] {
  const listable = resources.filter((r) => r.namespaced && r.verbs.includes('list') && !r.plural.includes('/'));
  const sorted = [...listable].sort((a, b) => (a.group + '/' + a.kind).localeCompare(b.group + '/' + b.kind));
  if (!kinds || kinds.length === 0) return sorted.filter((r) => !isSkippedKind(r));
  const chosen = new Set<ApiResource>();
  const unknown: string[] = [];
  for (const raw of kinds) {
    const wanted = raw.trim().toLowerCase();
    if (!wanted) continue;
    const matches = sorted.filter((r) => names(r).includes(wanted));
    if (matches.length === 0) unknown.push(raw.trim());
    // A bare name served by several groups (e.g. `events`) means the core one when there is one.
    const core = matches.filter((r) => r.group === '');
    for (const r of wanted.includes('.') || core.length === 0 ? matches : core) chosen.add(r);
  }
  if (unknown.length > 0) {
    const available = [...new Set(sorted.filter((r) => !isSkippedKind(r)).map((r) => r.kind.toLowerCase()))].join(', ');
    throw new UsageError(`--kinds: ${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a namespaced kind this cluster lists`, {
      fix: `use kinds such as: ${available}`,
    });
  }
  return sorted.filter((r) => chosen.has(r));
}

/** Parses `--kinds deployment,service configmap` into names. */
export function parseKinds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(/[,\s]+/).map((k) => k.trim()).filter((k) => k !== '');
  return list.length > 0 ? list : undefined;
}

export interface SkipContext {
  includeSecrets: boolean;
  /** Kinds the user named with --kinds (lower-case), which lifts the "finished Job" rule. */
  namedKinds?: ReadonlySet<string>;
  /** Names of PersistentVolumeClaims created from StatefulSet volumeClaimTemplates, with their owner. */
  statefulSetClaims?: ReadonlyMap<string, string>;
  /** Eastern's own objects (release records, locks). */
  isEasternRecord?: (object: KubeObject) => boolean;
}

function conditionTrue(object: KubeObject, type: string): boolean {
  const status = (object as Record<string, unknown>).status;
  const conditions = isPlainObject(status) ? status.conditions : undefined;
  return Array.isArray(conditions) && conditions.some((c) => isPlainObject(c) && c.type === type && c.status === 'True');
}

/** Why an object is not exported, or undefined when it is. */
export function skipReason(object: KubeObject, context: SkipContext): string | undefined {
  const metadata = object.metadata;
  if (metadata.deletionTimestamp) return 'being deleted';
  const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
  const controller = owners.find((o) => isPlainObject(o) && o.controller === true);
  if (isPlainObject(controller)) return `created by ${String(controller.kind)}/${String(controller.name)}`;
  if (context.isEasternRecord?.(object)) return 'Eastern release record or lock';
  const group = groupOf(object.apiVersion);
  const annotations = metadata.annotations ?? {};
  if (group === '') {
    switch (object.kind) {
      case 'Secret': {
        const type = (object as Record<string, unknown>).type;
        if (type === 'kubernetes.io/service-account-token') return 'service-account token';
        if (!context.includeSecrets) return 'Secret (use --include-secrets)';
        break;
      }
      case 'ConfigMap':
        if (metadata.name === 'kube-root-ca.crt') return 'cluster CA bundle, created in every namespace';
        break;
      case 'ServiceAccount':
        if (metadata.name === 'default') return 'default ServiceAccount, created in every namespace';
        break;
      case 'Pod':
        if (annotations['kubernetes.io/config.mirror']) return 'mirror pod of a static pod';
        break;
      case 'PersistentVolumeClaim': {
        const owner = context.statefulSetClaims?.get(metadata.name);
        if (owner) return `claim of StatefulSet/${owner}, recreated from its volumeClaimTemplates`;
        break;
      }
      default:
        break;
    }
  }
  if (group === 'batch' && object.kind === 'Job' && !context.namedKinds?.has('job')) {
    // A finished Job is a past run; exporting it would run it again in the target.
    if (conditionTrue(object, 'Complete')) return 'finished Job (name --kinds job to include)';
    if (conditionTrue(object, 'Failed')) return 'failed Job (name --kinds job to include)';
  }
  return undefined;
}

/** PVC names that StatefulSets create from their claim templates: `<template>-<set>-<ordinal>`. */
export function statefulSetClaimNames(objects: readonly KubeObject[], claims: readonly KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const patterns: { re: RegExp; owner: string }[] = [];
  for (const o of objects) {
    if (o.kind !== 'StatefulSet' || groupOf(o.apiVersion) !== 'apps') continue;
    const spec = (o as Record<string, unknown>).spec;
    const templates = isPlainObject(spec) && Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [];
    for (const t of templates) {
      const name = isPlainObject(t) && isPlainObject(t.metadata) ? t.metadata.name : undefined;
      if (typeof name !== 'string') continue;
      const escaped = `${name}-${o.metadata.name}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      patterns.push({ re: new RegExp(`^${escaped}-\\d+$`), owner: o.metadata.name });
    }
  }
  for (const c of claims) {
    const hit = patterns.find((p) => p.re.test(c.metadata.name));
    if (hit) out.set(c.metadata.name, hit.owner);
  }
  return out;
}

/** Targets of HorizontalPodAutoscalers (`Deployment/web`), whose replicas the HPA decides. */
export function autoscaledTargets(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const spec = (o as Record<string, unknown>).spec;
    const target = isPlainObject(spec) ? spec.scaleTargetRef : undefined;
    if (isPlainObject(target)) out.add(`${String(target.kind)}/${String(target.name)}`);
  }
  return out;
}
