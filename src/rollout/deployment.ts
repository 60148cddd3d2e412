// Deployment: rolled out when the controller has seen this generation and the new
// ReplicaSet's pods are all updated and available (kubectl rollout status's rule,
// including its wait for old replicas). Fails on ProgressDeadlineExceeded, or as
// soon as every pod of the new ReplicaSet is doomed.
import { allDoomed, diagnosePod, podsToReport, summarize, failingMessage } from './doomed-pod.js';
import { conditionOf, isTerminating, ownedBy, type Deployment, type Pod, type ReplicaSet } from './objects.js';
import { earliest, failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The ReplicaSet of the Deployment's current revision (same revision annotation, owned by it). */
export function newReplicaSet(deployment: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  if (revision === undefined) return undefined;
  return replicaSets.find((rs) => ownedBy(rs, deployment.metadata?.uid) && rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision);
}

/** Live (not terminating) pods of a ReplicaSet. */
export function podsOfReplicaSet(rs: ReplicaSet, pods: readonly Pod[]): Pod[] {
  return pods.filter((pod) => !isTerminating(pod) && ownedBy(pod, rs.metadata?.uid));
}

export function deploymentVerdict(deployment: Deployment, ctx: RuleContext): Verdict {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? -1) < generation) {
    return pending(`waiting for the controller to pick up generation ${generation}`);
  }
  const desired = deployment.spec?.replicas ?? 1;
  const progressing = conditionOf(status, 'Progressing');
  const rs = newReplicaSet(deployment, ctx.replicaSets);
  const diagnoses = rs ? podsOfReplicaSet(rs, ctx.pods).map((pod) => diagnosePod(pod, ctx)) : [];

  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return failed(`progress deadline exceeded${progressing.message ? `: ${progressing.message}` : ''}`, summarize(diagnoses.filter((d) => !d.ready)), podsToReport(diagnoses));
  }
  if (deployment.spec?.paused) {
    return succeeded('paused: the rollout waits for `kubectl rollout resume`');
  }

  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const newAvailable = Math.min(rs?.status?.availableReplicas ?? available, updated);
  const oldRemaining = Math.max(total - updated, 0);
  const waitForOld = ctx.waitForOldReplicas ?? true;
  if (updated >= desired && (!waitForOld || oldRemaining === 0) && available >= updated) {
    return succeeded(`${desired}/${desired} pod${desired === 1 ? '' : 's'} available`);
  }

  const doomed = allDoomed(diagnoses);
  if (doomed) {
    return failed(failingMessage(diagnoses.length === 1 ? 'its new pod is failing' : `all ${diagnoses.length} new pods are failing`, diagnoses), doomed, podsToReport(diagnoses));
  }
  let message = `${newAvailable}/${desired} new pod${desired === 1 ? '' : 's'} available`;
  if (updated < desired) message = `${updated}/${desired} pods updated, ${message}`;
  if (waitForOld && oldRemaining > 0 && updated >= desired) message += `, ${oldRemaining} old pod${oldRemaining === 1 ? '' : 's'} still running`;
  const reasons = summarize(diagnoses.filter((d) => !d.ready));
  // Quota or admission refusals show up as ReplicaFailure (copied from the ReplicaSet).
  const replicaFailure = conditionOf(status, 'ReplicaFailure') ?? conditionOf(rs?.status, 'ReplicaFailure');
  if (replicaFailure?.status === 'True') reasons.unshift(`${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? ''}`.trim());
  return pending(message, reasons, podsToReport(diagnoses), earliest(...diagnoses.map((d) => d.recheckAt)));
}
