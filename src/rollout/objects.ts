// The parts of Kubernetes objects the rollout rules read, as plain JSON (times are
// RFC 3339 strings). Everything is optional: rules must cope with objects that the
// controllers have not filled in yet.

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    template?: PodTemplate;
    strategy?: { type?: string };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
  };
}

export interface DaemonSet extends KubeObject {
  spec?: { selector?: LabelSelector; template?: PodTemplate; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    numberMisscheduled?: number;
    conditions?: Condition[];
  };
}

export interface ControllerRevision extends KubeObject {
  revision?: number;
}

export interface Job extends KubeObject {
  spec?: { completions?: number; parallelism?: number; backoffLimit?: number; suspend?: boolean; template?: PodTemplate };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    ready?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Condition[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; signal?: number; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    restartPolicy?: string;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string; restartPolicy?: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: { storageClassName?: string; volumeName?: string };
  status?: { phase?: string; conditions?: Condition[] };
}

export interface StorageClass extends KubeObject {
  volumeBindingMode?: string;
  provisioner?: string;
}

export interface Service extends KubeObject {
  spec?: { type?: string; selector?: Record<string, string>; clusterIP?: string; publishNotReadyAddresses?: boolean };
}

export interface EndpointSlice extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[] | null;
}

export function conditionOf(status: unknown, type: string): Condition | undefined {
  const conditions = (status as { conditions?: Condition[] } | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.find((c) => c?.type === type) : undefined;
}

export function isTrue(condition: Condition | undefined): boolean {
  return condition?.status === 'True';
}

export function ownedBy(object: KubeObject, uid: string | undefined): boolean {
  if (!uid) return false;
  return (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid);
}

export function isTerminating(object: KubeObject): boolean {
  return object.metadata?.deletionTimestamp !== undefined && object.metadata.deletionTimestamp !== null;
}

/** "deployment/web", the way kubectl names objects. */
export function displayName(kind: string, name: string): string {
  return `${kind.toLowerCase()}/${name}`;
}

export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
