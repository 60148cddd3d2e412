// Which rule decides which kind (matched by API group and kind, any version), and
// everything that is special about a kind: what it reads besides the object, how
// its success is worded, which related objects explain its failure, and what it
// means for other rules (a workload scaled to zero explains a Service without endpoints).
import { groupOf } from '../kube/objects.js';
import { daemonSetVerdict } from './daemon-set.js';
import { deploymentVerdict, newReplicaSet } from './deployment.js';
import { genericVerdict } from './generic.js';
import { jobVerdict } from './job.js';
import type { Deployment, KubeObject } from './objects.js';
import { persistentVolumeClaimVerdict } from './persistent-volume-claim.js';
import { podVerdict } from './pod.js';
import { replicaSetVerdict } from './replica-set.js';
import { serviceVerdict } from './service.js';
import { statefulSetVerdict } from './stateful-set.js';
import { succeeded, type RuleContext, type Verdict } from './verdict.js';

export type Need = 'pods' | 'replicaSets' | 'controllerRevisions' | 'endpointSlices' | 'storageClasses';

export interface KindRule {
  name: string;
  needs: readonly Need[];
  verdict(object: KubeObject, ctx: RuleContext): Verdict;
  /** "deployment/web ready" vs "job/migrate succeeded". */
  doneWord: string;
  /** "deployment/web rolled out in 3.1s" vs "job/migrate finished in 3.1s". */
  finishedWord: string;
  /** Other objects whose events explain a failure (a Deployment's FailedCreate lives on its new ReplicaSet). */
  related?(object: KubeObject, ctx: RuleContext): KubeObject[];
  /** A verdict when a collection it needs cannot be read; undefined: judge without it. */
  withoutNeed?(need: Need, error: string): Verdict | undefined;
  /** Its pod template labels when it runs no pods by design (replicas: 0). */
  scaledToZero?(object: KubeObject): Record<string, string> | undefined;
}

function zeroReplicaLabels(object: KubeObject): Record<string, string> | undefined {
  const spec = (object as { spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } } }).spec;
  return spec?.replicas === 0 ? (spec.template?.metadata?.labels ?? {}) : undefined;
}

const workload = { doneWord: 'ready', finishedWord: 'rolled out' };

const rules: Record<string, KindRule> = {
  'apps/Deployment': {
    name: 'deployment',
    needs: ['pods', 'replicaSets'],
    verdict: deploymentVerdict,
    ...workload,
    related: (object, ctx) => {
      const rs = newReplicaSet(object as Deployment, ctx.replicaSets);
      return rs ? [rs] : [];
    },
    scaledToZero: zeroReplicaLabels,
  },
  'apps/StatefulSet': { name: 'stateful-set', needs: ['pods'], verdict: statefulSetVerdict, ...workload, scaledToZero: zeroReplicaLabels },
  'apps/DaemonSet': { name: 'daemon-set', needs: ['pods', 'controllerRevisions'], verdict: daemonSetVerdict, ...workload },
  'apps/ReplicaSet': { name: 'replica-set', needs: ['pods'], verdict: replicaSetVerdict, ...workload, scaledToZero: zeroReplicaLabels },
  'batch/Job': { name: 'job', needs: ['pods'], verdict: jobVerdict, doneWord: 'succeeded', finishedWord: 'finished' },
  '/Pod': { name: 'pod', needs: [], verdict: podVerdict, ...workload },
  '/PersistentVolumeClaim': { name: 'persistent-volume-claim', needs: ['storageClasses'], verdict: persistentVolumeClaimVerdict, ...workload },
  '/Service': {
    name: 'service',
    needs: ['endpointSlices'],
    verdict: serviceVerdict,
    ...workload,
    // Endpoints are a readiness signal, not the rollout itself: without them, accept the Service.
    withoutNeed: (_need, error) => succeeded(`endpoints not checked: ${error}`),
  },
};

const generic: KindRule = { name: 'generic', needs: [], verdict: genericVerdict, ...workload };

export function ruleFor(apiVersion: string, kind: string): KindRule {
  return rules[`${groupOf(apiVersion)}/${kind}`] ?? generic;
}

/**
 * Kinds whose objects have nothing to wait for once the API server accepted them:
 * they are not read at all (a deployer may patch Secrets without being allowed to
 * list or watch them).
 */
const NOTHING_TO_WAIT_FOR = new Set([
  '/ConfigMap', '/Secret', '/ServiceAccount', '/LimitRange', '/ResourceQuota', '/Endpoints',
  'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/IngressClass',
  'policy/PodDisruptionBudget', 'scheduling.k8s.io/PriorityClass', 'storage.k8s.io/StorageClass',
  'batch/CronJob', 'coordination.k8s.io/Lease',
]);

export function nothingToWaitFor(apiVersion: string, kind: string): boolean {
  return NOTHING_TO_WAIT_FOR.has(`${groupOf(apiVersion)}/${kind}`);
}
