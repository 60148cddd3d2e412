// What is wrong with one object right now, as one finding with a reason the team can
// search for. Pure: objects and a clock in, findings out. Grace periods keep
// transient states (an image still pulling, a pod still being scheduled) quiet.
import { conditionOf, isTerminating, isTrue, parseTime, type ContainerStatus, type Job, type Pod } from '../rollout/objects.js';
import type { WatchThresholds } from '../fleet/notify.js';
import type { IncidentReason } from './types.js';

export interface Finding {
  reason: IncidentReason;
  /** One sentence, without pod-specific numbers where possible. */
  detail: string;
  restarts: number;
  container?: string;
  /** The useful log of that container is its previous run's. */
  previousLog?: boolean;
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff']);
const CONFIG_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'InvalidImageName']);

function clip(text: string | undefined, max = 200): string {
  const one = (text ?? '').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function lastExit(c: ContainerStatus): string {
  const t = c.lastState?.terminated;
  if (!t) return '';
  return t.reason === 'OOMKilled' ? ', last run OOMKilled' : `, last exit code ${t.exitCode ?? '?'}`;
}

function containerFinding(c: ContainerStatus, init: boolean, started: number, now: number, t: WatchThresholds): Finding | undefined {
  const waiting = c.state?.waiting?.reason;
  const restarts = c.restartCount ?? 0;
  const what = `${init ? 'init container' : 'container'} ${c.name}`;
  const oomAt = c.lastState?.terminated?.reason === 'OOMKilled' ? parseTime(c.lastState.terminated.finishedAt) ?? now : undefined;
  const recent = (at: number | undefined) => at !== undefined && now - at <= t.restartWindowSeconds * 1000;
  if (c.state?.terminated?.reason === 'OOMKilled' || (oomAt !== undefined && (waiting === 'CrashLoopBackOff' || recent(oomAt)))) {
    return { reason: 'OOMKilled', detail: `${what} was killed for using more memory than its limit (OOMKilled, ${restarts} restarts)`, restarts, container: c.name, previousLog: true };
  }
  if (waiting === 'CrashLoopBackOff') {
    return { reason: 'CrashLoopBackOff', detail: `${what} is crash-looping (CrashLoopBackOff${lastExit(c)})`, restarts, container: c.name, previousLog: true };
  }
  if (waiting !== undefined && IMAGE_PULL.has(waiting)) {
    if (now - started < t.imagePullGraceSeconds * 1000) return undefined;
    return { reason: 'ImagePullBackOff', detail: `${what} cannot pull its image ${c.image ?? ''} (${waiting}: ${clip(c.state?.waiting?.message)})`.replace(' ()', ''), restarts, container: c.name };
  }
  if (waiting !== undefined && CONFIG_ERRORS.has(waiting)) {
    return { reason: 'CreateContainerConfigError', detail: `${what} cannot start (${waiting}: ${clip(c.state?.waiting?.message)})`, restarts, container: c.name };
  }
  const lastRestart = parseTime(c.lastState?.terminated?.finishedAt);
  if (restarts >= t.restarts && recent(lastRestart)) {
    return { reason: 'RestartingRepeatedly', detail: `${what} restarted ${restarts} times${lastExit(c)}`, restarts, container: c.name, previousLog: true };
  }
  return undefined;
}

/** The finding for a pod, or undefined when it is fine (or not yet worth a word). */
export function podFinding(pod: Pod, now: number, t: WatchThresholds): Finding | undefined {
  if (isTerminating(pod)) return undefined;
  const status = pod.status ?? {};
  const phase = status.phase ?? 'Pending';
  if (phase === 'Succeeded') return undefined;
  const created = parseTime(pod.metadata?.creationTimestamp) ?? now;
  const started = parseTime(status.startTime) ?? created;
  const restartsOf = (cs: readonly ContainerStatus[]) => Math.max(0, ...cs.map((c) => c.restartCount ?? 0));
  const all = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  if (phase === 'Failed') {
    if (status.reason === 'Evicted') return { reason: 'Evicted', detail: `evicted by its node: ${clip(status.message)}`, restarts: restartsOf(all) };
    const exit = all.map((c) => c.state?.terminated).find((x) => x && (x.exitCode ?? 0) !== 0);
    const why = clip(status.message) || (exit ? `exit code ${exit.exitCode}${exit.reason && exit.reason !== 'Error' ? ` (${exit.reason})` : ''}` : status.reason ?? '');
    return { reason: 'PodFailed', detail: `pod failed${why ? `: ${why}` : ''}`, restarts: restartsOf(all) };
  }
  for (const c of status.initContainerStatuses ?? []) {
    const f = containerFinding(c, true, started, now, t);
    if (f) return f;
  }
  for (const c of status.containerStatuses ?? []) {
    const f = containerFinding(c, false, started, now, t);
    if (f) return f;
  }
  const scheduled = conditionOf(status, 'PodScheduled');
  if (phase === 'Pending') {
    if (now - created < t.pendingSeconds * 1000) return undefined;
    const unschedulable = scheduled?.status === 'False' && scheduled.reason === 'Unschedulable';
    return { reason: 'Unschedulable', detail: unschedulable ? `cannot be scheduled: ${clip(scheduled?.message)}` : `Pending for more than ${t.pendingSeconds} s`, restarts: restartsOf(all) };
  }
  const ready = conditionOf(status, 'Ready');
  if (phase === 'Running' && !isTrue(ready)) {
    const since = parseTime(ready?.lastTransitionTime) ?? started;
    if (now - since < t.notReadySeconds * 1000) return undefined;
    const waitingFor = all.filter((c) => c.ready !== true).map((c) => c.name);
    return { reason: 'NotReady', detail: `running but not ready for more than ${t.notReadySeconds} s${waitingFor.length ? ` (containers not ready: ${waitingFor.join(', ')})` : ''}`, restarts: restartsOf(all) };
  }
  return undefined;
}

export function jobFinding(job: Job): Finding | undefined {
  const failed = conditionOf(job.status, 'Failed');
  if (!isTrue(failed)) return undefined;
  return { reason: 'JobFailed', detail: `job failed: ${[failed?.reason, clip(failed?.message)].filter(Boolean).join(': ') || 'Failed'}`, restarts: job.status?.failed ?? 0 };
}

export interface NodeLike {
  metadata?: { name?: string };
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}

export function nodeFinding(node: NodeLike, now: number, t: WatchThresholds): Finding | undefined {
  const ready = conditionOf(node.status, 'Ready');
  if (!ready || isTrue(ready)) return undefined;
  const since = parseTime(ready.lastTransitionTime) ?? now;
  if (now - since < t.nodeNotReadySeconds * 1000) return undefined;
  return { reason: 'NodeNotReady', detail: `node not ready (${[ready.reason, clip(ready.message)].filter(Boolean).join(': ') || ready.status})`, restarts: 0 };
}

/** Healthy enough to call an incident of this workload resolved: running and ready, or done. */
export function podHealthy(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || (phase === 'Running' && isTrue(conditionOf(pod.status, 'Ready')));
}
