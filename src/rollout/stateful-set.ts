// StatefulSet: rolled out when the controller has seen this generation, every
// replica is ready (available when the cluster reports it), and the update has
// reached every pod it is meant to reach: all of them (currentRevision ==
// updateRevision), or those at or above a rolling-update partition. OnDelete sets
// only need ready replicas, since their pods change when someone deletes them.
import { allDoomed, diagnosePod, podsToReport, summarize, failingMessage } from './doomed-pod.js';
import { isTerminating, ownedBy, type Pod, type StatefulSet } from './objects.js';
import { earliest, failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

/** Pods of the update revision (the "new" pods). */
export function updatedPods(set: StatefulSet, pods: readonly Pod[]): Pod[] {
  const revision = set.status?.updateRevision;
  return pods.filter((pod) => !isTerminating(pod) && ownedBy(pod, set.metadata?.uid) &&
    revision !== undefined && pod.metadata?.labels?.['controller-revision-hash'] === revision);
}

export function statefulSetVerdict(set: StatefulSet, ctx: RuleContext): Verdict {
  const generation = set.metadata?.generation ?? 0;
  const status = set.status ?? {};
  if ((status.observedGeneration ?? -1) < generation) {
    return pending(`waiting for the controller to pick up generation ${generation}`);
  }
  const desired = set.spec?.replicas ?? 1;
  const ready = status.availableReplicas ?? status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
  const partition = strategy === 'RollingUpdate' ? set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0 : 0;

  let done: boolean;
  let progress: string;
  if (strategy === 'OnDelete') {
    done = ready >= desired && (status.replicas ?? 0) <= desired;
    progress = `${ready}/${desired} pods ready (OnDelete: pods update when deleted)`;
  } else if (partition > 0) {
    const target = Math.max(desired - partition, 0);
    done = updated >= target && ready >= desired;
    progress = `${Math.min(updated, target)}/${target} pods updated (partition ${partition}), ${ready}/${desired} ready`;
  } else {
    done = status.currentRevision !== undefined && status.currentRevision === status.updateRevision &&
      ready >= desired && (status.replicas ?? 0) <= desired;
    progress = `${Math.min(updated, desired)}/${desired} pods updated, ${ready}/${desired} ready`;
  }
  if (done) return succeeded(`${ready}/${desired} pod${desired === 1 ? '' : 's'} ready`);

  const diagnoses = updatedPods(set, ctx.pods).map((pod) => diagnosePod(pod, ctx));
  const doomed = allDoomed(diagnoses);
  if (doomed) {
    return failed(failingMessage(diagnoses.length === 1 ? 'its updated pod is failing' : `all ${diagnoses.length} updated pods are failing`, diagnoses), doomed, podsToReport(diagnoses));
  }
  return pending(progress, summarize(diagnoses.filter((d) => !d.ready)), podsToReport(diagnoses), earliest(...diagnoses.map((d) => d.recheckAt)));
}
