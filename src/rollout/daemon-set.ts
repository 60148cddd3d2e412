// DaemonSet: rolled out when the controller has seen this generation and every
// node that should run it runs an updated, available pod. The "new" pods are those
// of the newest ControllerRevision (DaemonSet status does not name it); without
// revisions, those with the highest pod-template-generation label.
import { allDoomed, diagnosePod, podsToReport, summarize, failingMessage } from './doomed-pod.js';
import { isTerminating, ownedBy, type ControllerRevision, type DaemonSet, type Pod } from './objects.js';
import { earliest, failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export function updatedDaemonPods(set: DaemonSet, pods: readonly Pod[], revisions: readonly ControllerRevision[]): Pod[] {
  const owned = pods.filter((pod) => !isTerminating(pod) && ownedBy(pod, set.metadata?.uid));
  const mine = revisions.filter((r) => ownedBy(r, set.metadata?.uid));
  if (mine.length > 0) {
    const newest = mine.reduce((a, b) => ((b.revision ?? 0) > (a.revision ?? 0) ? b : a));
    const hash = newest.metadata?.labels?.['controller-revision-hash'];
    if (hash !== undefined) return owned.filter((pod) => pod.metadata?.labels?.['controller-revision-hash'] === hash);
  }
  const generation = (pod: Pod) => Number(pod.metadata?.labels?.['pod-template-generation'] ?? 0);
  const highest = Math.max(0, ...owned.map(generation));
  return owned.filter((pod) => generation(pod) === highest);
}

export function daemonSetVerdict(set: DaemonSet, ctx: RuleContext): Verdict {
  const generation = set.metadata?.generation ?? 0;
  const status = set.status ?? {};
  if ((status.observedGeneration ?? -1) < generation) {
    return pending(`waiting for the controller to pick up generation ${generation}`);
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  const onDelete = set.spec?.updateStrategy?.type === 'OnDelete';
  if ((onDelete || updated >= desired) && available >= desired) {
    return succeeded(desired === 0 ? 'no node to run on' : `${available}/${desired} pods available`);
  }
  const diagnoses = updatedDaemonPods(set, ctx.pods, ctx.controllerRevisions).map((pod) => diagnosePod(pod, ctx));
  const doomed = allDoomed(diagnoses);
  if (doomed) {
    return failed(failingMessage(diagnoses.length === 1 ? 'its updated pod is failing' : `all ${diagnoses.length} updated pods are failing`, diagnoses), doomed, podsToReport(diagnoses));
  }
  const message = onDelete ? `${available}/${desired} pods available` : `${updated}/${desired} pods updated, ${available}/${desired} available`;
  return pending(message, summarize(diagnoses.filter((d) => !d.ready)), podsToReport(diagnoses), earliest(...diagnoses.map((d) => d.recheckAt)));
}
