// removed-api, deprecated-api: whether the target Kubernetes version still serves
// each object's apiVersion (the removals table, or a real cluster's discovery).
import { lifecycleOf, replacementApiVersion, type ApiLifecycle } from './api-lifecycle.js';
import type { KubernetesVersion, RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

const v = (minor: number) => `1.${minor}`;

function replaceFix(entry: ApiLifecycle | undefined, kind: string): string {
  if (!entry) return `change apiVersion to one the target serves for ${kind} (kubectl api-resources on a cluster of that version lists them)`;
  const to = replacementApiVersion(entry);
  return to ? `change apiVersion to ${entry.replacement} and check the fields that changed with it (Kubernetes' deprecated API migration guide lists them)` : `move to ${entry.replacement}`;
}

export const apiVersions: Rule = {
  ids: ['removed-api', 'deprecated-api'],
  check({ objects, kubernetes, serves, targetName }) {
    if (!kubernetes && !serves) return [];
    const out: RawFinding[] = [];
    const target = targetName ?? (kubernetes ? `Kubernetes ${kubernetes.major}.${kubernetes.minor}` : 'the target cluster');
    const minor = (k: KubernetesVersion | undefined) => (k && k.major === 1 ? k.minor : k && k.major > 1 ? Infinity : undefined);
    const m = minor(kubernetes);
    for (const o of objects) {
      const { apiVersion, kind } = o.object;
      const entry = lifecycleOf(apiVersion, kind);
      const removed = serves ? !serves(apiVersion, kind) : entry?.removed !== undefined && m !== undefined && m >= entry.removed;
      if (removed) {
        const when = entry?.removed !== undefined ? ` (removed in ${v(entry.removed)})` : '';
        out.push(finding('removed-api', o, ['apiVersion'], `${apiVersion} ${kind} is not served by ${target}${when}`, replaceFix(entry, kind)));
      } else if (entry && m !== undefined && m >= entry.deprecated) {
        const until = entry.removed !== undefined ? `, removed in ${v(entry.removed)}` : ', no removal planned yet';
        out.push(finding('deprecated-api', o, ['apiVersion'], `${apiVersion} ${kind} is deprecated in ${target} (since ${v(entry.deprecated)}${until})`, replaceFix(entry, kind)));
      }
    }
    return out;
  },
};
