// hpa-target, pdb-target: an autoscaler or a disruption budget must point at
// something the project deploys.
import { isPlainObject } from '../kube/objects.js';
import { at, isKind, matches, nameOf, podTemplates, selectorOf } from './objects.js';
import type { RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

export const targets: Rule = {
  ids: ['hpa-target', 'pdb-target'],
  check({ objects }) {
    const out: RawFinding[] = [];
    const templates = podTemplates(objects);
    for (const o of objects) {
      if (isKind(o.object, 'HorizontalPodAutoscaler', ['autoscaling'])) {
        const ref = at(o.object, ['spec', 'scaleTargetRef']);
        const kind = isPlainObject(ref) ? ref.kind : undefined;
        const name = isPlainObject(ref) ? ref.name : undefined;
        const found = objects.some((x) => x.namespace === o.namespace && x.object.kind === kind && x.object.metadata.name === name);
        if (!found) {
          const candidates = objects.filter((x) => x.namespace === o.namespace && x.object.kind === kind).map(nameOf);
          out.push(finding('hpa-target', o, ['spec', 'scaleTargetRef'], `scales ${String(kind ?? '(no kind)')}/${String(name ?? '(no name)')}, which the project does not deploy`,
            candidates.length ? `point spec.scaleTargetRef at one of: ${candidates.join(', ')}` : 'point spec.scaleTargetRef (kind and name) at a Deployment or StatefulSet of this project'));
        }
      } else if (isKind(o.object, 'PodDisruptionBudget', ['policy'])) {
        const selector = selectorOf(at(o.object, ['spec', 'selector']));
        const hit = selector !== undefined && templates.some((t) => t.owner.namespace === o.namespace && matches(selector, t.labels));
        if (!hit) {
          out.push(finding('pdb-target', o, ['spec', 'selector'], selector ? 'selects no pod template of the project' : 'has no spec.selector, so it selects no pods',
            'make spec.selector.matchLabels match the pod template labels of the workload it protects'));
        }
      }
    }
    return out;
  },
};
