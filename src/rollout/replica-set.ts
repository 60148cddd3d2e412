// A bare ReplicaSet (Python eastern waited for these too): every replica available,
// failing once all of its pods are doomed.
import { allDoomed, diagnosePod, podsToReport, summarize, failingMessage } from './doomed-pod.js';
import { podsOfReplicaSet } from './deployment.js';
import type { ReplicaSet } from './objects.js';
import { earliest, failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export function replicaSetVerdict(rs: ReplicaSet, ctx: RuleContext): Verdict {
  const generation = rs.metadata?.generation ?? 0;
  const status = rs.status ?? {};
  if ((status.observedGeneration ?? -1) < generation) {
    return pending(`waiting for the controller to pick up generation ${generation}`);
  }
  const desired = rs.spec?.replicas ?? 1;
  const available = status.availableReplicas ?? 0;
  if (available >= desired && (status.replicas ?? 0) <= desired) return succeeded(`${available}/${desired} pods available`);
  const diagnoses = podsOfReplicaSet(rs, ctx.pods).map((pod) => diagnosePod(pod, ctx));
  const doomed = allDoomed(diagnoses);
  if (doomed) return failed(failingMessage(diagnoses.length === 1 ? 'its pod is failing' : `all ${diagnoses.length} pods are failing`, diagnoses), doomed, podsToReport(diagnoses));
  return pending(`${available}/${desired} pods available`, summarize(diagnoses.filter((d) => !d.ready)), podsToReport(diagnoses), earliest(...diagnoses.map((d) => d.recheckAt)));
}
