// Live health of a release: the rollout rules (src/rollout) judge the live objects
// exactly as a deploy's rollout watch would, from lists the status read once per
// namespace. succeeded → ready, pending → progressing, failed → failing.
import { ruleFor, nothingToWaitFor, type Need } from '../rollout/kinds.js';
import type { StorageClass } from '../rollout/objects.js';
import { IMAGE_PULL_GRACE_MS, type RuleContext } from '../rollout/verdict.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import type { HealthState, ObjectHealth, ReleaseHealth } from './schema.js';

/** What the rules may read besides the object, for one namespace. */
export interface NamespaceLists {
  pods: readonly KubeObject[];
  replicaSets: readonly KubeObject[];
  controllerRevisions: readonly KubeObject[];
  endpointSlices: readonly KubeObject[];
  storageClasses: readonly KubeObject[];
}

export const emptyLists = (): NamespaceLists => ({ pods: [], replicaSets: [], controllerRevisions: [], endpointSlices: [], storageClasses: [] });

/** Objects whose health is judged: everything with something to wait for. */
export function judged(refs: readonly ObjectRef[]): ObjectRef[] {
  return refs.filter((r) => !nothingToWaitFor(r.apiVersion, r.kind));
}

/** Collections the rules of these objects read. */
export function needsOf(refs: readonly ObjectRef[]): Set<Need> {
  const needs = new Set<Need>();
  for (const r of judged(refs)) for (const n of ruleFor(r.apiVersion, r.kind).needs) needs.add(n);
  return needs;
}

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

function context(lists: NamespaceLists, now: number, scaledToZero: Record<string, string>[]): RuleContext {
  const classes = lists.storageClasses as unknown as readonly StorageClass[];
  return {
    now,
    pods: lists.pods as RuleContext['pods'],
    replicaSets: lists.replicaSets as RuleContext['replicaSets'],
    controllerRevisions: lists.controllerRevisions as RuleContext['controllerRevisions'],
    endpointSlices: lists.endpointSlices as RuleContext['endpointSlices'],
    storageClass: (name) => (name === undefined ? classes.find((c) => c.metadata?.annotations?.[DEFAULT_CLASS] === 'true') : classes.find((c) => c.metadata?.name === name)),
    imagePullGraceMs: IMAGE_PULL_GRACE_MS,
    waitForOldReplicas: true,
    scaledToZero,
  };
}

const RANK: Record<HealthState, number> = { failing: 4, missing: 3, progressing: 2, unknown: 1, ready: 0 };

/**
 * Health of the release's objects. `live(ref)` is the live object, null when it does
 * not exist, undefined when it could not be read.
 */
export function releaseHealth(refs: readonly ObjectRef[], live: (ref: ObjectRef) => KubeObject | null | undefined, lists: NamespaceLists, now: number): ReleaseHealth {
  const targets = judged(refs);
  const found = targets.map((ref) => ({ ref, object: live(ref) }));
  const scaledToZero = found.flatMap(({ ref, object }) => {
    const labels = object ? ruleFor(ref.apiVersion, ref.kind).scaledToZero?.(object) : undefined;
    return labels ? [labels] : [];
  });
  const ctx = context(lists, now, scaledToZero);
  const objects: ObjectHealth[] = found.map(({ ref, object }) => {
    const name = `${ref.kind.toLowerCase()}/${ref.name}`;
    if (object === null) return { object: name, state: 'missing', message: 'not found in the cluster', reasons: [] };
    if (object === undefined) return { object: name, state: 'unknown', message: 'could not be read', reasons: [] };
    const verdict = ruleFor(ref.apiVersion, ref.kind).verdict(object, ctx);
    const state: HealthState = verdict.state === 'succeeded' ? 'ready' : verdict.state === 'failed' ? 'failing' : 'progressing';
    return { object: name, state, message: verdict.message, reasons: verdict.reasons };
  });
  const worst = objects.reduce<ObjectHealth | undefined>((w, o) => (!w || RANK[o.state] > RANK[w.state] ? o : w), undefined);
  if (!worst) return { state: 'ready', summary: 'nothing to wait for', objects };
  if (worst.state === 'ready') return { state: 'ready', summary: `${objects.length} ${objects.length === 1 ? 'object' : 'objects'} ready`, objects };
  const reason = worst.reasons[0];
  return { state: worst.state, summary: `${worst.object}: ${worst.message}${reason ? `; ${reason}` : ''}`, objects };
}
