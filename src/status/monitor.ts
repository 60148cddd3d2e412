// What the status page serves from: the last read of every cluster, refreshed in the
// background (each cluster on its own timer, so a slow one holds up nobody), plus
// short caches for what only the project pages need (events, revision manifests).
// Page views read memory; they never cause one API call per object.
import type { KubeClient } from '../kube/client.js';
import type { ReleaseHead } from '../deploy/release.js';
import type { Logger } from '../output/logger.js';
import { eventTime, formatEvent, type CoreEvent } from '../rollout/report.js';
import type { ClusterSource, Selection } from './clusters.js';
import { assembleReport, failedRead, readOne, statusClient, type CollectOptions } from './collect.js';
import type { ClusterRead } from './read.js';
import type { StatusReport } from './schema.js';

export interface EventLine {
  time: string;
  object: string;
  text: string;
  warning: boolean;
}

interface Watched {
  source: ClusterSource;
  client?: KubeClient;
  read: ClusterRead;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  /** Refreshes done, for tests and the page footer. */
  reads: number;
}

const MAX_EVENTS = 60;

export class StatusMonitor {
  private readonly clusters: Watched[];
  private stopped = false;
  private report: { at: number; value: StatusReport } | undefined;
  private readonly events = new Map<string, { at: number; value: Promise<CoreEvent[]> }>();

  constructor(private readonly selection: Selection, private readonly options: CollectOptions & { refreshSeconds: number; logger: Logger }) {
    const now = Date.now();
    this.clusters = selection.clusters.map((source) => ({ source, read: failedRead(source, 'not read yet', true, now, now), reads: 0 }));
  }

  /** Connects and reads every cluster once; then keeps refreshing. */
  async start(): Promise<void> {
    await Promise.all(this.clusters.map(async (w) => {
      try {
        w.client = await statusClient(w.source, this.options.timeoutMs, this.options.logger);
      } catch (error) {
        w.source = { ...w.source, unavailable: (error as Error).message };
      }
      await this.refresh(w);
    }));
  }

  private refresh(w: Watched): Promise<void> {
    w.running ??= (async () => {
      try {
        w.read = await readOne(w.client, w.source, this.options);
        w.reads += 1;
        this.report = undefined;
        if (w.read.cluster.error) this.options.logger.warn(`${w.source.name}: ${w.read.cluster.error}`);
      } finally {
        w.running = undefined;
        if (!this.stopped) {
          clearTimeout(w.timer);
          w.timer = setTimeout(() => void this.refresh(w), this.options.refreshSeconds * 1000);
          w.timer.unref();
        }
      }
    })();
    return w.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.clusters) clearTimeout(w.timer);
    await Promise.allSettled(this.clusters.map((w) => w.running));
    for (const w of this.clusters) w.client?.close();
  }

  /** The current report (built once per change of the reads). */
  current(): StatusReport {
    if (!this.report) {
      const reads = this.clusters.map((w) => w.read);
      // The report is as old as its oldest cluster read.
      const oldest = Math.min(Date.now(), ...reads.map((r) => Date.parse(r.cluster.readAt)));
      this.report = { at: Date.now(), value: assembleReport(this.selection, reads, this.options, new Date(oldest)) };
    }
    return this.report.value;
  }

  /** Total refreshes so far (all clusters). */
  get readCount(): number {
    return this.clusters.reduce((n, w) => n + w.reads, 0);
  }

  private watched(cluster: string): Watched | undefined {
    return this.clusters.find((w) => w.source.name === cluster);
  }

  heads(cluster: string, namespace: string, project: string): ReleaseHead[] {
    return this.watched(cluster)?.read.heads.get(`${namespace}/${project}`) ?? [];
  }

  /** A revision's rendered manifest (read once, then cached). */
  async manifest(cluster: string, namespace: string, head: ReleaseHead): Promise<string> {
    const w = this.watched(cluster);
    if (!w?.client) throw new Error(`cluster ${cluster} is not connected`);
    return this.options.manifests.get(w.client, cluster, namespace, head);
  }

  /**
   * Events of the project's objects, their ReplicaSets and pods since `since` (the
   * newest revision's start): one LIST of the namespace's events per refresh period.
   */
  async rolloutEvents(cluster: string, namespace: string, project: string, since: number): Promise<EventLine[]> {
    const w = this.watched(cluster);
    if (!w?.client || !w.read.cluster.reachable) return [];
    const related = w.read.related.get(`${namespace}/${project}`) ?? new Set<string>();
    const key = `${cluster}/${namespace}`;
    let cached = this.events.get(key);
    if (!cached || Date.now() - cached.at > this.options.refreshSeconds * 1000) {
      const client = w.client;
      cached = { at: Date.now(), value: client.list<CoreEvent & { involvedObject?: { kind?: string; name?: string } }>('v1', 'Event', { namespace }).then((l) => l.items) };
      cached.value.catch(() => this.events.delete(key));
      this.events.set(key, cached);
    }
    const items = (await cached.value) as (CoreEvent & { involvedObject?: { kind?: string; name?: string } })[];
    // Event times have whole seconds: an event of the deploy's first second is older than its start in ms.
    const from = Math.floor(since / 1000) * 1000;
    return items
      .filter((e) => related.has(`${e.involvedObject?.kind}/${e.involvedObject?.name}`) && eventTime(e) >= from)
      .sort((a, b) => eventTime(a) - eventTime(b))
      .slice(-MAX_EVENTS)
      .map((e) => ({
        time: new Date(eventTime(e)).toISOString(),
        object: `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
        text: formatEvent(e),
        warning: e.type === 'Warning',
      }));
  }
}
