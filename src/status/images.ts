// Container images of objects: every `containers` / `initContainers` list found under
// `spec` (pod templates of Deployments, StatefulSets, Jobs, CronJobs, bare Pods, and
// custom resources that embed a pod template).
import { isPlainObject } from '../kube/objects.js';

const LISTS = new Set(['containers', 'initContainers']);
const MAX_DEPTH = 8;

function collect(value: unknown, depth: number, out: Set<string>): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, depth + 1, out);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (LISTS.has(key) && Array.isArray(child)) {
      for (const c of child) if (isPlainObject(c) && typeof c.image === 'string' && c.image) out.add(c.image);
    } else if (key !== 'status' && key !== 'metadata') {
      collect(child, depth + 1, out);
    }
  }
}

/** Sorted, without duplicates. */
export function imagesOf(objects: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const o of objects) if (isPlainObject(o)) collect(o.spec, 0, out);
  return [...out].sort();
}
