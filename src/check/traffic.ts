// service-selector, readiness-probe: a Service must select pods of the project, and
// the pods it sends traffic to must say when they are ready for it.
import { isPlainObject } from '../kube/objects.js';
import { at, describeLabels, isKind, mapMatches, nameOf, podTemplates } from './objects.js';
import type { CheckObject, RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

interface SelectingService {
  service: CheckObject;
  selector: Record<string, string>;
}

/** Services that pick pods by a selector (not ExternalName, not selector-less ones whose endpoints are managed by hand). */
function selectingServices(objects: readonly CheckObject[]): SelectingService[] {
  const out: SelectingService[] = [];
  for (const o of objects) {
    if (!isKind(o.object, 'Service') || at(o.object, ['spec', 'type']) === 'ExternalName') continue;
    const selector = at(o.object, ['spec', 'selector']);
    if (!isPlainObject(selector) || Object.keys(selector).length === 0) continue;
    out.push({ service: o, selector: Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)])) });
  }
  return out;
}

export const traffic: Rule = {
  ids: ['service-selector', 'readiness-probe'],
  check({ objects }) {
    const out: RawFinding[] = [];
    const templates = podTemplates(objects);
    const unready = new Set<string>();
    for (const { service, selector } of selectingServices(objects)) {
      const selected = templates.filter((t) => t.owner.namespace === service.namespace && mapMatches(selector, t.labels));
      if (selected.length === 0) {
        out.push(finding('service-selector', service, ['spec', 'selector'], `selects ${describeLabels(selector)}, but no pod template of the project has ${Object.keys(selector).length === 1 ? 'that label' : 'all those labels'}`,
          'make spec.selector match the labels of the pod template (spec.template.metadata.labels of the workload); if the pods come from another project, say so in check.eastern.io/service-selector'));
        continue;
      }
      for (const t of selected) {
        if (!t.kind.serving) continue;
        for (const c of t.containers) {
          const key = `${t.owner.document}|${t.owner.base.join('.')}|${c.path.join('.')}`;
          if (c.init || isPlainObject(c.value.readinessProbe) || unready.has(key)) continue;
          unready.add(key);
          out.push(finding('readiness-probe', t.owner, c.path, `container "${c.name}" has no readiness probe, yet ${nameOf(service)} sends it traffic`,
            'add a readinessProbe (httpGet on a health endpoint, or tcpSocket on the serving port) so it gets traffic only when it can answer'));
        }
      }
    }
    return out;
  },
};
