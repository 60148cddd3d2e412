// Apply order, as Helm and Krane do it: what others depend on goes first
// (namespaces, definitions, policy, identities, configuration, storage, services),
// then workloads, then what points at workloads. Kinds in one tier are applied in
// parallel; tiers one after another. Unknown kinds (custom resources) go last.

const tiers: readonly (readonly string[])[] = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  ['PriorityClass'],
  ['ResourceQuota', 'LimitRange', 'NetworkPolicy', 'PodSecurityPolicy'],
  ['ServiceAccount'],
  ['ClusterRole', 'Role'],
  ['ClusterRoleBinding', 'RoleBinding'],
  ['ConfigMap', 'Secret'],
  ['StorageClass'],
  ['PersistentVolume'],
  ['PersistentVolumeClaim'],
  ['Service', 'Endpoints', 'EndpointSlice'],
  ['DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'StatefulSet', 'Job', 'CronJob'],
  ['HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  ['IngressClass', 'Ingress'],
];

const tierOfKind = new Map<string, number>();
tiers.forEach((kinds, index) => kinds.forEach((kind) => tierOfKind.set(kind, index)));

/** Everything not listed (custom resources, webhooks, APIServices). */
export const LAST_TIER = tiers.length;

export function tierOf(kind: string): number {
  return tierOfKind.get(kind) ?? LAST_TIER;
}

/** Groups items into apply tiers, keeping the manifest order inside a tier. */
export function applyTiers<T>(items: readonly T[], kindOf: (item: T) => string): T[][] {
  const byTier = new Map<number, T[]>();
  for (const item of items) {
    const tier = tierOf(kindOf(item));
    let list = byTier.get(tier);
    if (!list) byTier.set(tier, (list = []));
    list.push(item);
  }
  return [...byTier.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

/** Deletion goes the other way: dependents before what they depend on. */
export function deleteTiers<T>(items: readonly T[], kindOf: (item: T) => string): T[][] {
  return applyTiers(items, kindOf).reverse();
}
