// node-spread, disruption-budget: more than one replica only helps if the replicas
// do not share a node and are not all evicted at once.
import { isPlainObject } from '../kube/objects.js';
import { at, isKind, matches, podTemplates, replicasOf, selectorOf, type PodTemplate } from './objects.js';
import type { CheckObject, RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

const HOSTNAME = 'kubernetes.io/hostname';

/** Replicas the workload runs at least: spec.replicas, or the minReplicas of an autoscaler of the project that targets it. */
function minimumReplicas(t: PodTemplate, objects: readonly CheckObject[]): number | undefined {
  const own = replicasOf(t);
  if (own === undefined) return undefined;
  let min = own;
  for (const o of objects) {
    if (!isKind(o.object, 'HorizontalPodAutoscaler', ['autoscaling']) || o.namespace !== t.owner.namespace) continue;
    const ref = at(o.object, ['spec', 'scaleTargetRef']);
    if (!isPlainObject(ref) || ref.kind !== t.owner.object.kind || ref.name !== t.owner.object.metadata.name) continue;
    const m = at(o.object, ['spec', 'minReplicas']);
    min = Math.max(min, typeof m === 'number' ? m : 1);
  }
  return min;
}

function spreadOverNodes(spec: Record<string, unknown>): boolean {
  const constraints = spec.topologySpreadConstraints;
  if (Array.isArray(constraints) && constraints.some((c) => isPlainObject(c) && c.topologyKey === HOSTNAME)) return true;
  const anti = at(spec, ['affinity', 'podAntiAffinity']);
  if (!isPlainObject(anti)) return false;
  const required = anti.requiredDuringSchedulingIgnoredDuringExecution;
  if (Array.isArray(required) && required.some((term) => isPlainObject(term) && term.topologyKey === HOSTNAME)) return true;
  const preferred = anti.preferredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(preferred) && preferred.some((w) => isPlainObject(w) && at(w, ['podAffinityTerm', 'topologyKey']) === HOSTNAME);
}

function hasBudget(t: PodTemplate, objects: readonly CheckObject[]): boolean {
  return objects.some((o) => {
    if (!isKind(o.object, 'PodDisruptionBudget', ['policy']) || o.namespace !== t.owner.namespace) return false;
    const selector = selectorOf(at(o.object, ['spec', 'selector']));
    return selector !== undefined && matches(selector, t.labels);
  });
}

export const availability: Rule = {
  ids: ['node-spread', 'disruption-budget'],
  check({ objects }) {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      const replicas = minimumReplicas(t, objects);
      if (replicas === undefined || replicas < 2) continue;
      const where = ['spec', 'replicas'];
      if (!spreadOverNodes(t.spec)) {
        out.push(finding('node-spread', t.owner, where, `${replicas} replicas may all be scheduled on one node`,
          `add topologySpreadConstraints with topologyKey: ${HOSTNAME} (or a podAntiAffinity term on ${HOSTNAME}) to the pod template`));
      }
      if (!hasBudget(t, objects)) {
        out.push(finding('disruption-budget', t.owner, where, `${replicas} replicas and no PodDisruptionBudget selects them`,
          'add a policy/v1 PodDisruptionBudget whose selector matches the pod template labels, e.g. with maxUnavailable: 1'));
      }
    }
    return out;
  },
};
