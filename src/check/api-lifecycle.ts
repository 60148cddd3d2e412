// Kubernetes API versions that were deprecated and removed, 1.16 through 1.35, as
// data. Sources (facts, not text): the removals of the Kubernetes "Deprecated API
// Migration Guide" (kubernetes.io/docs/reference/using-api/deprecation-guide), and
// for the release that deprecated each version the lifecycle markers generated into
// k8s.io/api (APILifecycleDeprecated/Removed/Replacement, read from v0.33.13).
// Kubernetes 1.33 to 1.35 removed no API version that is served by default; 1.33
// deprecated core v1 Endpoints (KEP-4974) without a removal date.
//
// Only versions that clusters served by default are listed: alpha versions and the
// betas that came after 1.24 are off unless an administrator enables them.

export interface ApiLifecycle {
  /** `group/version` (or `v1` for the core group). */
  apiVersion: string;
  kinds: readonly string[];
  /** Minor release of Kubernetes 1.x that deprecated it. */
  deprecated: number;
  /** Minor release that stopped serving it; undefined: deprecated, no removal planned. */
  removed?: number;
  /** What to use instead (an apiVersion when there is one). */
  replacement: string;
}

export const API_LIFECYCLE: readonly ApiLifecycle[] = [
  // 1.16
  { apiVersion: 'extensions/v1beta1', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'], deprecated: 8, removed: 16, replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', kinds: ['Deployment', 'StatefulSet', 'ReplicaSet'], deprecated: 8, removed: 16, replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'], deprecated: 9, removed: 16, replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], deprecated: 9, removed: 16, replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: 11, removed: 16, replacement: 'policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)' },
  // 1.22
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], deprecated: 16, removed: 22, replacement: 'admissionregistration.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], deprecated: 16, removed: 22, replacement: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', kinds: ['APIService'], deprecated: 19, removed: 22, replacement: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'authentication.k8s.io/v1beta1', kinds: ['TokenReview'], deprecated: 19, removed: 22, replacement: 'authentication.k8s.io/v1' },
  { apiVersion: 'authorization.k8s.io/v1beta1', kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'], deprecated: 19, removed: 22, replacement: 'authorization.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], deprecated: 19, removed: 22, replacement: 'certificates.k8s.io/v1' },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], deprecated: 19, removed: 22, replacement: 'coordination.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], deprecated: 14, removed: 22, replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress', 'IngressClass'], deprecated: 19, removed: 22, replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], deprecated: 17, removed: 22, replacement: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], deprecated: 14, removed: 22, replacement: 'scheduling.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'StorageClass', 'VolumeAttachment'], deprecated: 19, removed: 22, replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSINode'], deprecated: 17, removed: 22, replacement: 'storage.k8s.io/v1' },
  // 1.25
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], deprecated: 21, removed: 25, replacement: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], deprecated: 21, removed: 25, replacement: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], deprecated: 22, removed: 25, replacement: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], deprecated: 22, removed: 25, replacement: 'autoscaling/v2' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], deprecated: 21, removed: 25, replacement: 'policy/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: 21, removed: 25, replacement: 'Pod Security Admission (namespace labels pod-security.kubernetes.io/*); no API replaces it' },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], deprecated: 22, removed: 25, replacement: 'node.k8s.io/v1' },
  // 1.26
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: 23, removed: 26, replacement: 'flowcontrol.apiserver.k8s.io/v1 (1.29+; v1beta3 on 1.26–1.28)' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], deprecated: 23, removed: 26, replacement: 'autoscaling/v2' },
  // 1.27
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], deprecated: 24, removed: 27, replacement: 'storage.k8s.io/v1' },
  // 1.29
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: 26, removed: 29, replacement: 'flowcontrol.apiserver.k8s.io/v1 (1.29+; v1beta3 on 1.26–1.28)' },
  // 1.32
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: 29, removed: 32, replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  // 1.33: deprecated, not scheduled for removal
  { apiVersion: 'v1', kinds: ['Endpoints'], deprecated: 33, replacement: 'discovery.k8s.io/v1 EndpointSlice' },
];

const INDEX = new Map<string, ApiLifecycle>();
for (const entry of API_LIFECYCLE) for (const kind of entry.kinds) INDEX.set(`${entry.apiVersion}|${kind}`, entry);

export function lifecycleOf(apiVersion: string, kind: string): ApiLifecycle | undefined {
  return INDEX.get(`${apiVersion}|${kind}`);
}

/** The replacement's apiVersion when it is one (for messages like "change apiVersion to …"). */
export function replacementApiVersion(entry: ApiLifecycle): string | undefined {
  const m = /^([a-z0-9.-]+\/)?v\d+(?:(?:alpha|beta)\d+)?(?=$|\s)/.exec(entry.replacement);
  return m ? m[0] : undefined;
}

/** `1.33`, `v1.30.14`, `1.33.0-gke.1` → { major: 1, minor: 33 }; undefined when it is not a version. */
export function parseVersion(text: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}
