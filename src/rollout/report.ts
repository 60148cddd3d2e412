// What a build log needs after a failure or a timeout: the causes, the recent
// events of the object and of its failing pods, and the last lines of each failing
// container's log (the previous run's for a crash loop, the current one otherwise).
import type { RolloutApi } from './api.js';
import type { PodDiagnosis } from './doomed-pod.js';
import type { KubeObject } from './objects.js';
import type { Verdict } from './verdict.js';

export const LOG_TAIL_LINES = 25;
const MAX_EVENTS = 8;
const MAX_LINE = 400;

export interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  metadata?: { creationTimestamp?: string };
}

export interface ReportSubject {
  /** "deployment/web". */
  display: string;
  object?: KubeObject;
  verdict: Verdict;
  /** Other objects whose events explain it (the new ReplicaSet of a Deployment: FailedCreate lives there). */
  related?: KubeObject[];
  /** Only the object's events after this time (epoch ms): older ones belong to earlier rollouts. */
  eventsSince?: number;
}

type Reader = Pick<RolloutApi, 'getJson' | 'getText'>;

export function eventTime(e: CoreEvent): number {
  const t = e.eventTime || e.series?.lastObservedTime || e.lastTimestamp || e.firstTimestamp || e.metadata?.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

export function formatEvent(e: CoreEvent): string {
  const count = e.series?.count ?? e.count ?? 1;
  return `${e.type ?? 'Normal'} ${e.reason ?? ''}${count > 1 ? ` (x${count})` : ''}: ${oneLine(e.message ?? '')}`;
}

/** Recent events about one object, oldest first. */
export async function eventsOf(api: Reader, ref: { kind?: string; name?: string; namespace?: string; uid?: string }, since = 0): Promise<string[]> {
  if (!ref.namespace || !ref.name) return [];
  const fieldSelector = ref.uid
    ? `involvedObject.uid=${ref.uid}`
    : `involvedObject.name=${ref.name}${ref.kind ? `,involvedObject.kind=${ref.kind}` : ''}`;
  const list = await api.getJson<{ items?: CoreEvent[] }>(`/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events`, { fieldSelector });
  return (list.items ?? [])
    .filter((e) => eventTime(e) >= since)
    .sort((a, b) => eventTime(a) - eventTime(b))
    .slice(-MAX_EVENTS)
    .map(formatEvent);
}

/** The last lines of a container's log; the previous run's when asked, falling back to the current. */
export async function logTail(api: Reader, namespace: string, pod: string, container: string, previous: boolean, lines = LOG_TAIL_LINES): Promise<{ lines: string[]; previous: boolean }> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  if (previous) {
    try {
      const text = await api.getText(path, { container, tailLines: lines, previous: true });
      return { lines: splitLog(text, lines), previous: true };
    } catch {
      // No previous run kept (or the node does not serve it): the current log is the next best.
    }
  }
  const text = await api.getText(path, { container, tailLines: lines });
  return { lines: splitLog(text, lines), previous: false };
}

function splitLog(text: string, max: number): string[] {
  const lines = text.replace(/\r/g, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-max).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l));
}

async function podSection(api: Reader, pod: PodDiagnosis, logs: boolean): Promise<string[]> {
  const lines: string[] = [];
  try {
    const events = await eventsOf(api, { kind: 'Pod', name: pod.name, namespace: pod.namespace, ...(pod.uid && { uid: pod.uid }) });
    if (events.length > 0) lines.push(`events of pod ${pod.name}:`, ...events.map((e) => `  ${e}`));
  } catch (error) {
    lines.push(`events of pod ${pod.name}: unavailable (${(error as Error).message})`);
  }
  for (const c of logs ? pod.containers : []) {
    if (!c.hasLog || (!c.doomed && !c.problem)) continue;
    try {
      const tail = await logTail(api, pod.namespace, pod.name, c.name, c.previousLog);
      const which = tail.previous ? 'previous run, ' : '';
      if (tail.lines.length === 0) lines.push(`log of pod ${pod.name} container ${c.name} (${which}empty)`);
      else lines.push(`log of pod ${pod.name} container ${c.name} (${which}last ${tail.lines.length} lines):`, ...tail.lines.map((l) => `  | ${l}`));
    } catch (error) {
      lines.push(`log of pod ${pod.name} container ${c.name}: unavailable (${(error as Error).message})`);
    }
  }
  return lines;
}

/** The detail lines for one failed or timed-out object (without the headline). */
export async function failureDetails(api: Reader, subject: ReportSubject, options: { logs?: boolean } = {}): Promise<string[]> {
  const lines = [...subject.verdict.reasons];
  const sections = await Promise.all([
    (async () => {
      const out: string[] = [];
      for (const object of [subject.object, ...(subject.related ?? [])]) {
        if (!object?.metadata?.name) continue;
        const name = object === subject.object ? subject.display : `${(object.kind ?? 'object').toLowerCase()}/${object.metadata.name}`;
        try {
          const events = await eventsOf(api, { ...object.metadata, ...(object.kind && { kind: object.kind }) }, subject.eventsSince ?? 0);
          if (events.length > 0) out.push(`events of ${name}:`, ...events.map((e) => `  ${e}`));
        } catch (error) {
          if (object === subject.object) out.push(`events of ${name}: unavailable (${(error as Error).message})`);
        }
      }
      return out;
    })(),
    ...subject.verdict.pods.map((pod) => podSection(api, pod, options.logs ?? true)),
  ]);
  for (const section of sections) lines.push(...section);
  return lines;
}
