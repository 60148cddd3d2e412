// Is this pod going anywhere? A pod is doomed when waiting longer cannot help: a
// container crash-loops, its image cannot be pulled for longer than a short grace,
// its configuration cannot be built, or the pod itself Failed (unless the node
// evicted or rejected it, which the owning controller answers with a new pod).
import { conditionOf, isTrue, parseTime, type ContainerStatus, type Pod } from './objects.js';

export interface ContainerDiagnosis {
  name: string;
  init: boolean;
  ready: boolean;
  /** What is wrong or still happening, in words; undefined when the container is fine. */
  problem?: string;
  doomed: boolean;
  /** The container has run at least once, so a log can exist. */
  hasLog: boolean;
  /** Its useful log is the previous run's (it is crash-looping). */
  previousLog: boolean;
  /** The Kubernetes reason behind a doomed container (CrashLoopBackOff, ImagePullBackOff, OOMKilled…): what people search for. */
  reason?: string;
}

export interface PodDiagnosis {
  name: string;
  namespace: string;
  uid?: string;
  phase: string;
  ready: boolean;
  doomed: boolean;
  /** One line: "Pending: 0/3 nodes are available…", "container app is crash-looping (…)". */
  summary: string;
  containers: ContainerDiagnosis[];
  /** The scheduler's message when the pod cannot be placed. */
  unschedulable?: string;
  /** Epoch ms when an image-pull grace runs out. */
  recheckAt?: number;
}

export interface DoomOptions {
  now: number;
  imagePullGraceMs: number;
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff']);
/** Waiting reasons that no amount of waiting fixes. */
const FATAL_WAITING = new Set(['CreateContainerConfigError', 'InvalidImageName', 'ErrImageNeverPull']);
/** Failed-phase reasons set when the node evicted, preempted or rejected the pod: the controller replaces it. */
const NODE_REASONS = new Set(['Evicted', 'Preempting', 'NodeShutdown', 'Shutdown', 'Terminated', 'NodeAffinity', 'UnexpectedAdmissionError']);

export function isNodeRemoval(reason: string | undefined): boolean {
  return reason !== undefined && (NODE_REASONS.has(reason) || reason.startsWith('OutOf'));
}

function lastExit(c: ContainerStatus): string {
  const t = c.lastState?.terminated;
  if (!t) return 'back-off';
  if (t.reason === 'OOMKilled') return 'OOMKilled';
  return `last exit code ${t.exitCode ?? '?'}${t.reason && t.reason !== 'Error' ? ` (${t.reason})` : ''}`;
}

function clip(text: string, max = 240): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function diagnoseContainer(c: ContainerStatus, init: boolean, podStart: number, options: DoomOptions): ContainerDiagnosis & { recheckAt?: number } {
  const waiting = c.state?.waiting;
  const terminated = c.state?.terminated;
  const restarts = c.restartCount ?? 0;
  const hasLog = Boolean(c.state?.running || terminated || c.lastState?.terminated || restarts > 0);
  const base = { name: c.name, init, ready: c.ready === true, hasLog, previousLog: false, doomed: false };
  const kind = init ? 'init container' : 'container';
  const reason = waiting?.reason;
  if (reason === 'CrashLoopBackOff') {
    return { ...base, doomed: true, previousLog: true, reason, problem: `${kind} ${c.name} is crash-looping: CrashLoopBackOff (${lastExit(c)}, ${restarts} restart${restarts === 1 ? '' : 's'})` };
  }
  if (reason !== undefined && IMAGE_PULL.has(reason)) {
    const deadline = podStart + options.imagePullGraceMs;
    const doomed = options.now >= deadline;
    const image = c.image ? `image ${c.image}` : 'its image';
    const problem = `${kind} ${c.name} cannot pull ${image} (${reason}${waiting?.message ? `: ${clip(waiting.message)}` : ''})`;
    return doomed ? { ...base, doomed, reason, problem } : { ...base, doomed, problem, recheckAt: deadline };
  }
  if (reason !== undefined && FATAL_WAITING.has(reason)) {
    return { ...base, doomed: true, reason, problem: `${kind} ${c.name}: ${reason}${waiting?.message ? `: ${clip(waiting.message)}` : ''}` };
  }
  if (reason !== undefined) {
    return { ...base, problem: `${kind} ${c.name} ${reason}${waiting?.message ? `: ${clip(waiting.message)}` : ''}` };
  }
  if (terminated && (terminated.exitCode ?? 0) !== 0) {
    return { ...base, problem: `${kind} ${c.name} exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}` };
  }
  if (c.state?.running && !init && c.ready !== true) {
    return { ...base, problem: `${kind} ${c.name} is running but not ready` };
  }
  return base;
}

export function diagnosePod(pod: Pod, options: DoomOptions): PodDiagnosis {
  const status = pod.status ?? {};
  const phase = status.phase ?? 'Pending';
  const podStart = parseTime(status.startTime) ?? parseTime(pod.metadata?.creationTimestamp) ?? options.now;
  const containers = [
    ...(status.initContainerStatuses ?? []).map((c) => diagnoseContainer(c, true, podStart, options)),
    ...(status.containerStatuses ?? []).map((c) => diagnoseContainer(c, false, podStart, options)),
  ];
  const ready = isTrue(conditionOf(status, 'Ready'));
  const scheduled = conditionOf(status, 'PodScheduled');
  const unschedulable = scheduled?.status === 'False' && scheduled.reason === 'Unschedulable'
    ? clip(scheduled.message ?? 'no node fits the pod', 400)
    : undefined;

  let doomed = containers.some((c) => c.doomed);
  let summary: string;
  if (phase === 'Failed') {
    const removed = isNodeRemoval(status.reason);
    doomed = !removed;
    const why = [status.reason, status.message && clip(status.message)].filter(Boolean).join(': ');
    const containerWhy = containers.find((c) => c.problem)?.problem;
    summary = removed ? `removed by its node (${why})` : `Failed${why ? `: ${why}` : containerWhy ? `: ${containerWhy}` : ''}`;
  } else if (phase === 'Succeeded') {
    doomed = false;
    summary = 'Succeeded';
  } else if (unschedulable !== undefined) {
    summary = `Pending: ${unschedulable}`;
  } else {
    const problem = containers.find((c) => c.doomed)?.problem ?? containers.find((c) => c.problem)?.problem;
    // Ready containers in an unready pod: something outside them (node not ready, readiness gate).
    const readyCondition = conditionOf(status, 'Ready');
    const why = [readyCondition?.reason, readyCondition?.message && clip(readyCondition.message)].filter(Boolean).join(': ');
    summary = problem ?? (ready ? 'Ready' : phase === 'Running' ? `Running, not ready${why ? ` (${why})` : ''}` : phase);
  }

  const recheck = containers.map((c) => c.recheckAt).filter((t): t is number => t !== undefined);
  const diagnosis: PodDiagnosis = {
    name: pod.metadata?.name ?? '?',
    namespace: pod.metadata?.namespace ?? '',
    phase,
    ready,
    doomed,
    summary,
    containers: containers.map(({ recheckAt: _r, ...c }) => c),
  };
  if (pod.metadata?.uid) diagnosis.uid = pod.metadata.uid;
  if (unschedulable !== undefined) diagnosis.unschedulable = unschedulable;
  if (!doomed && recheck.length > 0) diagnosis.recheckAt = Math.min(...recheck);
  return diagnosis;
}

/** "pod web-abc Pending: 0/3 nodes…", "pod web-abc: container app is crash-looping (…)". */
export function describePod(d: PodDiagnosis): string {
  return /^[A-Z]/.test(d.summary) ? `pod ${d.name} ${d.summary}` : `pod ${d.name}: ${d.summary}`;
}

/**
 * The workload rule: fails once every one of its new pods is doomed (and there is at
 * least one). Returns the reasons, grouped so that 10 identical pods make one line.
 */
/** The distinct Kubernetes reasons of doomed pods, for a failure line: "CrashLoopBackOff", "Failed". */
export function doomReasons(diagnoses: readonly PodDiagnosis[]): string[] {
  const reasons = new Set<string>();
  for (const d of diagnoses) {
    const container = d.containers.find((c) => c.doomed && c.reason)?.reason;
    if (container) reasons.add(container);
    else if (d.phase === 'Failed') reasons.add('Failed');
  }
  return [...reasons];
}

/** "all 3 new pods are failing (CrashLoopBackOff)". */
export function failingMessage(message: string, diagnoses: readonly PodDiagnosis[]): string {
  const reasons = doomReasons(diagnoses);
  return reasons.length > 0 ? `${message} (${reasons.join(', ')})` : message;
}

export function allDoomed(diagnoses: readonly PodDiagnosis[]): string[] | undefined {
  if (diagnoses.length === 0 || !diagnoses.every((d) => d.doomed)) return undefined;
  return summarize(diagnoses);
}

/** One line per distinct problem: "pod web-1: …" or "3 pods (web-1, web-2, …): …". */
export function summarize(diagnoses: readonly PodDiagnosis[], limit = 3): string[] {
  const groups = new Map<string, string[]>();
  for (const d of diagnoses) {
    // Group by the problem without pod-specific numbers (restart counts differ).
    const key = d.summary.replace(/\d+ restarts?/, 'N restarts');
    groups.set(key, [...(groups.get(key) ?? []), d.name]);
  }
  const lines: string[] = [];
  for (const [, names] of groups) {
    const first = diagnoses.find((d) => d.name === names[0]);
    if (!first) continue;
    if (names.length === 1) lines.push(describePod(first));
    else lines.push(`${names.length} pods (${names.slice(0, 2).join(', ')}${names.length > 2 ? ', …' : ''}): ${first.summary}`);
    if (lines.length === limit && groups.size > limit) {
      lines.push(`… and ${groups.size - limit} more`);
      break;
    }
  }
  return lines;
}

/** The pods to report on: doomed ones first, then unready ones (bounded). */
export function podsToReport(diagnoses: readonly PodDiagnosis[], limit = 3): PodDiagnosis[] {
  const notFine = diagnoses.filter((d) => d.doomed || (!d.ready && d.phase !== 'Succeeded'));
  return [...notFine.filter((d) => d.doomed), ...notFine.filter((d) => !d.doomed)].slice(0, limit);
}
