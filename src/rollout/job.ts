// Job: succeeded when Complete (or SuccessCriteriaMet), failed when Failed (or
// FailureTarget, which newer clusters set first). Crash-looping or failed pods are
// left to the Job's own backoffLimit, since a retry may well succeed; but when
// every running attempt is stuck on something a retry cannot fix (image pull past
// its grace, bad container config), the Job fails at once.
import { diagnosePod, podsToReport, summarize, type PodDiagnosis } from './doomed-pod.js';
import { conditionOf, isTerminating, isTrue, ownedBy, type Job, type Pod } from './objects.js';
import { earliest, failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export function podsOfJob(job: Job, pods: readonly Pod[]): Pod[] {
  return pods.filter((pod) => ownedBy(pod, job.metadata?.uid));
}

/** Doomed for a reason no retry fixes (not crash-looping, not merely Failed). */
function stuck(d: PodDiagnosis): boolean {
  return d.phase !== 'Failed' && d.phase !== 'Succeeded' && d.containers.some((c) => c.doomed && !c.previousLog);
}

function counts(job: Job): string {
  const s = job.status ?? {};
  const completions = job.spec?.completions ?? 1;
  const parts = [`${s.succeeded ?? 0}/${completions} completed`];
  if (s.active) parts.push(`${s.active} running`);
  if (s.failed) parts.push(`${s.failed} failed`);
  return parts.join(', ');
}

export function jobVerdict(job: Job, ctx: RuleContext): Verdict {
  const status = job.status ?? {};
  const pods = podsOfJob(job, ctx.pods);
  const diagnoses = pods.map((pod) => diagnosePod(pod, ctx));
  if (isTrue(conditionOf(status, 'Complete')) || isTrue(conditionOf(status, 'SuccessCriteriaMet'))) {
    // SuccessCriteriaMet (1.31+) comes before the succeeded count is updated.
    const n = status.succeeded ?? 0;
    return succeeded(n > 0 ? `completed (${n} pod${n === 1 ? '' : 's'} succeeded)` : 'completed');
  }
  const failure = [conditionOf(status, 'Failed'), conditionOf(status, 'FailureTarget')].find(isTrue);
  if (failure) {
    const failing = diagnoses.filter((d) => d.phase === 'Failed' || d.doomed);
    // Newest attempts first: they explain the final failure.
    const newestFirst = [...failing].reverse();
    return failed(`${failure.reason ?? 'Failed'}${failure.message ? `: ${failure.message}` : ''} (${counts(job)})`, summarize(newestFirst), podsToReport(newestFirst));
  }
  if (job.spec?.suspend) return pending('suspended (spec.suspend is true)');
  const live = pods
    .filter((pod) => !isTerminating(pod) && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded')
    .map((pod) => diagnosePod(pod, ctx));
  if (live.length > 0 && live.every(stuck)) {
    return failed(live.length === 1 ? 'its pod cannot start' : `all ${live.length} running pods cannot start`, summarize(live), podsToReport(live));
  }
  // A Job's pods need not be ready: a running one is simply running.
  const working = (d: PodDiagnosis) => d.phase === 'Running' && d.containers.every((c) => !c.doomed && (c.problem === undefined || c.problem.endsWith('running but not ready')));
  const reasons = [...live.filter(working).map((d) => `pod ${d.name} Running`), ...summarize(live.filter((d) => !working(d) && !d.ready))];
  return pending(counts(job), reasons, podsToReport(live), earliest(...live.map((d) => d.recheckAt)));
}
