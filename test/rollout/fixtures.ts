// Hand-built objects for the rule tests: only the fields the controllers would set.
import type { ContainerStatus, Deployment, Pod, ReplicaSet } from '../../src/rollout/objects.js';

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const iso = (ms: number) => new Date(ms).toISOString();

export function deployment(overrides: {
  generation?: number;
  observedGeneration?: number;
  replicas?: number;
  updated?: number;
  total?: number;
  available?: number;
  revision?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  paused?: boolean;
} = {}): Deployment {
  const replicas = overrides.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'ns',
      uid: 'dep-uid',
      generation: overrides.generation ?? 2,
      annotations: { 'deployment.kubernetes.io/revision': overrides.revision ?? '2' },
    },
    spec: { replicas, ...(overrides.paused !== undefined && { paused: overrides.paused }) },
    status: {
      observedGeneration: overrides.observedGeneration ?? overrides.generation ?? 2,
      replicas: overrides.total ?? replicas,
      updatedReplicas: overrides.updated ?? replicas,
      availableReplicas: overrides.available ?? replicas,
      conditions: overrides.conditions ?? [],
    },
  };
}

export function replicaSet(revision: string, uid: string, available = 0, owner = 'dep-uid'): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${uid}`,
      namespace: 'ns',
      uid,
      labels: { 'pod-template-hash': uid },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: owner, controller: true }],
    },
    spec: { replicas: 3 },
    status: { replicas: 3, availableReplicas: available },
  };
}

export const running = (name = 'app', ready = true): ContainerStatus => ({
  name, image: 'example/app:1', ready, started: true, restartCount: 0, state: { running: { startedAt: iso(T0) } },
});

export const crashLooping = (name = 'app', restarts = 3): ContainerStatus => ({
  name,
  image: 'example/app:1',
  ready: false,
  restartCount: restarts,
  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
  lastState: { terminated: { exitCode: 1, reason: 'Error' } },
});

export const waiting = (reason: string, message = '', name = 'app'): ContainerStatus => ({
  name, image: 'example/app:1', ready: false, restartCount: 0, state: { waiting: { reason, message } },
});

export function pod(name: string, options: {
  owner?: string;
  ownerKind?: string;
  phase?: string;
  ready?: boolean;
  containers?: ContainerStatus[];
  init?: ContainerStatus[];
  startTime?: number;
  reason?: string;
  message?: string;
  labels?: Record<string, string>;
  unschedulable?: string;
  deleting?: boolean;
} = {}): Pod {
  const conditions = [
    { type: 'Ready', status: options.ready ? 'True' : 'False' },
    ...(options.unschedulable !== undefined
      ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: options.unschedulable }]
      : [{ type: 'PodScheduled', status: 'True' }]),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `${name}-uid`,
      creationTimestamp: iso(options.startTime ?? T0),
      labels: options.labels ?? {},
      ownerReferences: options.owner ? [{ kind: options.ownerKind ?? 'ReplicaSet', uid: options.owner, controller: true }] : [],
      ...(options.deleting && { deletionTimestamp: iso(T0) }),
    },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    status: {
      phase: options.phase ?? 'Running',
      ...(options.reason !== undefined && { reason: options.reason }),
      ...(options.message !== undefined && { message: options.message }),
      ...(options.unschedulable === undefined && { startTime: iso(options.startTime ?? T0) }),
      conditions,
      containerStatuses: options.containers ?? (options.unschedulable !== undefined ? [] : [running('app', options.ready ?? false)]),
      ...(options.init && { initContainerStatuses: options.init }),
    },
  };
}
