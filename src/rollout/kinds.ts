// Which rule decides which kind (matched by API group and kind, any version), and
// what each rule needs to read besides the object itself.
import { daemonSetVerdict } from './daemon-set.js';
import { deploymentVerdict } from './deployment.js';
import { genericVerdict } from './generic.js';
import { jobVerdict } from './job.js';
import { groupOf, type KubeObject } from './objects.js';
import { persistentVolumeClaimVerdict } from './persistent-volume-claim.js';
import { podVerdict } from './pod.js';
import { replicaSetVerdict } from './replica-set.js';
import { serviceVerdict } from './service.js';
import { statefulSetVerdict } from './stateful-set.js';
import type { RuleContext, Verdict } from './verdict.js';

export type Need = 'pods' | 'replicaSets' | 'controllerRevisions' | 'endpointSlices' | 'storageClasses';

export interface KindRule {
  name: string;
  needs: readonly Need[];
  verdict(object: KubeObject, ctx: RuleContext): Verdict;
}

const rules: Record<string, KindRule> = {
  'apps/Deployment': { name: 'deployment', needs: ['pods', 'replicaSets'], verdict: deploymentVerdict },
  'apps/StatefulSet': { name: 'stateful-set', needs: ['pods'], verdict: statefulSetVerdict },
  'apps/DaemonSet': { name: 'daemon-set', needs: ['pods', 'controllerRevisions'], verdict: daemonSetVerdict },
  'apps/ReplicaSet': { name: 'replica-set', needs: ['pods'], verdict: replicaSetVerdict },
  'batch/Job': { name: 'job', needs: ['pods'], verdict: jobVerdict },
  '/Pod': { name: 'pod', needs: [], verdict: podVerdict },
  '/PersistentVolumeClaim': { name: 'persistent-volume-claim', needs: ['storageClasses'], verdict: persistentVolumeClaimVerdict },
  '/Service': { name: 'service', needs: ['endpointSlices'], verdict: serviceVerdict },
};

const generic: KindRule = { name: 'generic', needs: [], verdict: genericVerdict };

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
