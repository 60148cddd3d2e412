// duplicate-object: one object, one document.
import { groupOf } from '../kube/objects.js';
import { nameOf } from './objects.js';
import type { CheckObject, RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

export const duplicates: Rule = {
  ids: ['duplicate-object'],
  check({ objects }) {
    const out: RawFinding[] = [];
    const first = new Map<string, CheckObject>();
    for (const o of objects) {
      // apps/v1 and apps/v1beta2 Deployments of one name are one object.
      const key = `${groupOf(o.object.apiVersion)}/${o.object.kind}/${o.namespace}/${o.object.metadata.name}`;
      const earlier = first.get(key);
      if (!earlier) {
        first.set(key, o);
        continue;
      }
      out.push({
        ...finding('duplicate-object', o, [], `${nameOf(o)} is defined twice`, 'remove one of the two documents, or give them different names (a partial loaded twice is the usual cause)'),
        related: [{ target: earlier, path: [], label: 'first defined here' }],
      });
    }
    return out;
  },
};
