// Which workload a pod or Job belongs to, following controller owner references:
// Pod → ReplicaSet → Deployment, Pod → Job → CronJob, Pod → StatefulSet/DaemonSet.
// Incidents are per workload, so ten crash-looping replicas make one message.
import type { OwnerReference } from '../rollout/objects.js';

export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Owned {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; ownerReferences?: OwnerReference[] };
}

/** Looks up an owner the watchman keeps a copy of (ReplicaSets, Jobs); undefined when not kept or gone. */
export type OwnerLookup = (kind: string, namespace: string, name: string) => Owned | undefined;

export function workloadKey(w: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

function controllerOf(object: Owned): OwnerReference | undefined {
  const refs = object.metadata?.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** The outermost controller of an object, as far as the kept owners tell (at most four hops). */
export function workloadOf(object: Owned, lookup: OwnerLookup): WorkloadRef {
  const namespace = object.metadata?.namespace ?? '';
  let current: WorkloadRef = { apiVersion: object.apiVersion ?? 'v1', kind: object.kind ?? 'Pod', namespace, name: object.metadata?.name ?? '' };
  let owned: Owned | undefined = object;
  for (let hop = 0; hop < 4 && owned; hop += 1) {
    const owner = controllerOf(owned);
    if (!owner?.kind || !owner.name) break;
    current = { apiVersion: owner.apiVersion ?? '', kind: owner.kind, namespace, name: owner.name };
    owned = lookup(owner.kind, namespace, owner.name);
  }
  return current;
}
