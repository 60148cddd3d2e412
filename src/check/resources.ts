// requests, memory-limit: what every container should declare about its resources.
import { isPlainObject } from '../kube/objects.js';
import { podTemplates, type Container } from './objects.js';
import type { RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

const section = (c: Container, name: 'requests' | 'limits') => {
  const resources = isPlainObject(c.value.resources) ? c.value.resources : undefined;
  const value = resources && isPlainObject(resources[name]) ? resources[name] : undefined;
  // Point at the deepest part that exists: the section, else resources, else the container.
  const path = value ? [...c.path, 'resources', name] : resources ? [...c.path, 'resources'] : c.path;
  return { value: value as Record<string, unknown> | undefined, path };
};

const set = (v: unknown) => v !== undefined && v !== null && v !== '';

export const resources: Rule = {
  ids: ['requests', 'memory-limit'],
  check({ objects }) {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of t.containers) {
        const requests = section(c, 'requests');
        const missing = ['cpu', 'memory'].filter((r) => !set(requests.value?.[r]));
        if (missing.length > 0) {
          out.push(finding('requests', t.owner, requests.path, `${c.init ? 'init container' : 'container'} "${c.name}" has no ${missing.join(' and ')} request`,
            `set resources.requests.${missing.length === 2 ? '{cpu,memory}' : missing[0]} to what the container really uses (kubectl top pods shows it)`));
        }
        const limits = section(c, 'limits');
        if (!set(limits.value?.memory)) {
          out.push(finding('memory-limit', t.owner, limits.path, `${c.init ? 'init container' : 'container'} "${c.name}" has no memory limit`,
            'set resources.limits.memory (at least its memory request; equal to it for predictable eviction)'));
        }
      }
    }
    return out;
  },
};
