// The cluster's watchman: watches pods, ReplicaSets, Jobs, nodes and Eastern's
// release records (API watches through the shared access layer, never polling),
// turns what is wrong into incidents per workload and reason, and hands the notices
// to the notifier. Evaluation runs after changes (debounced) and on a slow tick for
// the time-based thresholds. Open incidents are kept in a ConfigMap, so a restarted
// agent takes them over without saying anything twice.
import { statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/objects.js';
import { Reflector } from '../kube/reflector.js';
import { parseTime, type Job, type Pod } from '../rollout/objects.js';
import { driftOf, logTail } from './context.js';
import { IncidentBook, type Action, type Observation } from './incidents.js';
import { workloadKey, workloadOf, type Owned, type WorkloadRef } from './owners.js';
import { HEAD_SELECTOR, ReleaseIndex, slimHead, type SlimHead } from './releases.js';
import { jobFinding, nodeFinding, podFinding, podHealthy, type Finding, type NodeLike } from './rules.js';
import type { IncidentView, Notice } from './types.js';
import type { WatchSettings } from '../fleet/notify.js';

export interface WatchmanOptions {
  client: KubeClient;
  /** The cluster's name in messages (the agent's name, or the context). */
  cluster: string;
  environments: readonly string[];
  /** Only these namespaces (eastern watch NS…); otherwise cluster-wide, filtered by namespaceAllowed. */
  namespaces?: readonly string[];
  namespaceAllowed: (namespace: string) => boolean;
  settings: WatchSettings;
  notify: (notice: Notice) => void;
  log: (line: string) => void;
  /** Debounce after a change, and the tick for time-based thresholds. */
  debounceMs?: number;
  tickMs?: number;
}

type Kept = KubeObject & Owned;
type AnyReflector = Reflector<{ metadata?: { name?: string } }>;

const ownerRefs = (o: Kept) => (o.metadata?.ownerReferences ?? []).map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, controller: r.controller }));
const meta = (o: Kept) => ({ name: o.metadata?.name, namespace: o.metadata?.namespace, resourceVersion: o.metadata?.resourceVersion, ownerReferences: ownerRefs(o) });

/** What the rules read of a pod; the rest (spec, managedFields) is dropped to keep memory flat. */
function slimPod(p: Pod): Pod {
  const s = p.status ?? {};
  const container = (c: NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number]) => ({ name: c.name, image: c.image, ready: c.ready, restartCount: c.restartCount, state: c.state, lastState: c.lastState });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(p as Kept), creationTimestamp: p.metadata?.creationTimestamp, ...(p.metadata?.deletionTimestamp && { deletionTimestamp: p.metadata.deletionTimestamp }) },
    status: {
      phase: s.phase,
      reason: s.reason,
      message: s.message,
      startTime: s.startTime,
      conditions: (s.conditions ?? []).filter((c) => c.type === 'Ready' || c.type === 'PodScheduled'),
      containerStatuses: (s.containerStatuses ?? []).map(container),
      initContainerStatuses: (s.initContainerStatuses ?? []).map(container),
    },
  } as Pod;
}

const slimOwner = (o: Kept): Kept => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: meta(o) } as Kept);
const slimJob = (j: Job): Job => ({ ...slimOwner(j as Kept), status: { failed: j.status?.failed, conditions: (j.status?.conditions ?? []).filter((c) => c.type === 'Failed') } }) as Job;
const slimNode = (n: NodeLike & Kept): NodeLike & Kept => ({ apiVersion: 'v1', kind: 'Node', metadata: meta(n), status: { conditions: (n.status?.conditions ?? []).filter((c) => c.type === 'Ready') } }) as NodeLike & Kept;

export class Watchman {
  readonly book: IncidentBook;
  private readonly reflectors: { pods: Reflector<Pod>[]; owners: Reflector<Kept>[]; jobs: Reflector<Job>[]; nodes: Reflector<NodeLike & Kept>[]; heads: Reflector<SlimHead>[] };
  private timer: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private index: { version: number; value: ReleaseIndex } | undefined;
  private savedState = '';
  private readonly warned = new Set<AnyReflector>();
  /** Evaluations done and notices made; tests and the bench read them. */
  readonly stats = { evaluations: 0, notices: 0 };

  constructor(private readonly options: WatchmanOptions) {
    const s = options.settings;
    this.book = new IncidentBook({ reminderMs: s.reminderMinutes * 60_000, resolveAfterMs: s.resolveAfterSeconds * 1000 });
    this.reflectors = { pods: [], owners: [], jobs: [], nodes: [], heads: [] };
  }

  private get stateName(): string {
    return `eastern-watchman-${this.options.cluster}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253);
  }

  async start(): Promise<void> {
    await this.restore();
    const { client } = this.options;
    const scopes: (string | undefined)[] = this.options.namespaces?.length ? [...this.options.namespaces] : [undefined];
    const onChange = () => this.schedule();
    const make = async <T extends { metadata?: { name?: string } }>(apiVersion: string, kind: string, namespace: string | undefined, keep: (o: T) => T, query: Record<string, string> = {}) => {
      const { path } = await client.collection(apiVersion, kind, namespace);
      return new Reflector<T>(client, path, query, onChange, { keep, debug: (m: string) => this.options.log(`[watch] ${m}`) } as never);
    };
    for (const ns of scopes) {
      this.reflectors.pods.push(await make<Pod>('v1', 'Pod', ns, slimPod));
      this.reflectors.owners.push(await make<Kept>('apps/v1', 'ReplicaSet', ns, slimOwner));
      this.reflectors.jobs.push(await make<Job>('batch/v1', 'Job', ns, slimJob));
      this.reflectors.heads.push(await make<SlimHead>('v1', 'Secret', ns, slimHead as never, { labelSelector: HEAD_SELECTOR }));
    }
    if (this.options.settings.nodes) this.reflectors.nodes.push(await make<NodeLike & Kept>('v1', 'Node', undefined, slimNode));
    for (const r of this.all()) r.start();
    const tickMs = this.options.tickMs ?? 5_000;
    this.tick = setInterval(() => this.schedule(), tickMs);
    this.tick.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.tick);
    await Promise.all(this.all().map((r) => r.stop()));
    await this.running;
  }

  /** True once every collection has been listed (or refused). */
  get synced(): boolean {
    return this.all().every((r) => r.synced);
  }

  private all(): AnyReflector[] {
    const r = this.reflectors;
    return [...r.pods, ...r.owners, ...r.jobs, ...r.nodes, ...r.heads] as unknown as AnyReflector[];
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.evaluate();
    }, this.options.debounceMs ?? 200);
    this.timer.unref();
  }

  /** One evaluation; a change during it triggers one more right after. */
  evaluate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.evaluateOnce();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.options.log(`[watch] warning: evaluation failed: ${(error as Error).message}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private releases(): ReleaseIndex {
    const version = this.reflectors.heads.reduce((n, r) => n + r.version, 0);
    if (this.index?.version !== version) this.index = { version, value: new ReleaseIndex(this.reflectors.heads.flatMap((r) => r.values())) };
    return this.index.value;
  }

  private warnRefused(): void {
    for (const r of this.all()) {
      if (r.error && !this.warned.has(r)) {
        this.warned.add(r);
        this.options.log(`[watch] warning: cannot watch ${r.path}: ${r.error} — the watchman sees nothing there; grant list and watch on it (eastern agent manifest shows the RBAC)`);
      }
    }
  }

  private async evaluateOnce(): Promise<void> {
    if (!this.synced || this.stopped) return;
    this.warnRefused();
    const now = Date.now();
    const allowed = this.options.namespaceAllowed;
    const owners = new Map<string, Kept>();
    for (const r of [...this.reflectors.owners, ...this.reflectors.jobs]) for (const o of r.values() as Kept[]) owners.set(`${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`, o);
    const lookup = (kind: string, namespace: string, name: string) => owners.get(`${kind}/${namespace}/${name}`);
    const observations = new Map<string, Observation>();
    const health = new Map<string, boolean>();
    const observe = (w: WorkloadRef, f: Finding, pod?: string) => {
      const key = workloadKey(w);
      const id = `${this.options.cluster}/${key}/${f.reason}`;
      const o = observations.get(id);
      if (!o) {
        observations.set(id, { id, key, workload: w, reason: f.reason, detail: f.detail, pods: pod ? [pod] : [], podCount: pod ? 1 : 0, restarts: f.restarts, ...(pod && { pod }), ...(f.container && { container: f.container }), ...(f.previousLog && { previousLog: true }) });
        return;
      }
      if (pod) {
        o.podCount += 1;
        if (o.pods.length < 5) o.pods.push(pod);
      }
      if (f.restarts > o.restarts) Object.assign(o, { restarts: f.restarts, detail: f.detail, ...(pod && { pod }), ...(f.container && { container: f.container }) });
    };
    for (const r of this.reflectors.pods) {
      for (const pod of r.values()) {
        const ns = pod.metadata?.namespace ?? '';
        if (!allowed(ns)) continue;
        const w = workloadOf(pod as Owned, lookup);
        const key = workloadKey(w);
        health.set(key, (health.get(key) ?? true) && podHealthy(pod));
        const f = podFinding(pod, now, this.options.settings.thresholds);
        if (f) observe(w, f, pod.metadata?.name);
      }
    }
    for (const r of this.reflectors.jobs) {
      for (const job of r.values()) {
        if (!allowed(job.metadata?.namespace ?? '')) continue;
        const f = jobFinding(job);
        if (f) observe(workloadOf(job as Owned, lookup), f);
      }
    }
    for (const r of this.reflectors.nodes) {
      for (const node of r.values()) {
        const f = nodeFinding(node, now, this.options.settings.thresholds);
        if (f) observe({ apiVersion: 'v1', kind: 'Node', namespace: '', name: node.metadata?.name ?? '' }, f);
      }
    }
    const index = this.releases();
    const actions = this.book.update([...observations.values()], now, {
      held: (key) => index.deploying(key, now),
      healthy: (key) => health.get(key) ?? true,
    });
    this.stats.evaluations += 1;
    if (actions.length === 0) return;
    const views = await Promise.all(actions.map((a) => this.view(a, index)));
    for (const [i, a] of actions.entries()) {
      const view = views[i]!;
      this.stats.notices += 1;
      this.options.log(`[watch] ${a.event}: ${view.namespace ? `${view.namespace}/` : ''}${view.workload.kind}/${view.workload.name}: ${view.reason}${a.event === 'resolved' ? '' : ` — ${view.detail}`}`);
      this.options.notify({ event: a.event, incident: view, at: new Date(now).toISOString() });
    }
    await this.save();
  }

  private async view(action: Action, index: ReleaseIndex): Promise<IncidentView> {
    const { record, observation: o } = action;
    const w = record.workload;
    const release = index.link(record.key);
    const deployedAt = parseTime(release?.deployedAt);
    const view: IncidentView = {
      id: record.id,
      cluster: this.options.cluster,
      environments: this.options.environments,
      namespace: w.namespace,
      workload: { kind: w.kind, name: w.name },
      reason: record.reason,
      detail: record.detail,
      pods: o?.pods ?? [],
      podCount: o?.podCount ?? 0,
      restarts: o?.restarts ?? record.restarts,
      openedAt: new Date(record.openedAt).toISOString(),
      ...(o?.container && { container: o.container }),
      ...(release && { release }),
      ...(action.event === 'resolved' && { resolvedAt: new Date().toISOString() }),
    };
    if (release && deployedAt !== undefined && (release.outcome === 'deployed' || release.outcome === 'superseded') && record.openedAt - deployedAt <= this.options.settings.failingWindowMinutes * 60_000 && record.openedAt >= deployedAt) {
      view.failingSinceRevision = release.revision;
    }
    if (action.event === 'resolved') return view;
    const [logLines, drift] = await Promise.all([
      action.event === 'opened' && o?.pod && o.container ? logTail(this.options.client, w.namespace, o.pod, o.container, o.previousLog === true) : undefined,
      release && deployedAt !== undefined ? driftOf(this.options.client, w, deployedAt) : undefined,
    ]);
    if (logLines?.length) view.logLines = logLines;
    if (drift?.length) view.drift = drift;
    return view;
  }

  // ------------------------------------------------------------ state

  private async restore(): Promise<void> {
    try {
      const cm = await this.options.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: this.options.settings.stateNamespace, name: this.stateName });
      const text = (cm?.data as Record<string, string> | undefined)?.['incidents.json'];
      if (!text) return;
      this.savedState = text;
      const n = this.book.restore(JSON.parse(text));
      if (n > 0) this.options.log(`[watch] took over ${n} open incident(s) from ${this.options.settings.stateNamespace}/${this.stateName}`);
    } catch (error) {
      this.options.log(`[watch] warning: open incidents not read from ${this.options.settings.stateNamespace}/${this.stateName} (${statusOf(error) ?? (error as Error).message}); incidents already reported may be reported again`);
    }
  }

  private async save(): Promise<void> {
    const text = JSON.stringify(this.book.toJSON());
    if (text === this.savedState) return;
    try {
      await this.options.client.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: this.stateName, namespace: this.options.settings.stateNamespace, labels: { 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/watchman': 'state' } },
        data: { 'incidents.json': text },
      } as KubeObject, { force: true });
      this.savedState = text;
    } catch (error) {
      this.options.log(`[watch] warning: open incidents not saved to ${this.options.settings.stateNamespace}/${this.stateName} (${statusOf(error) ?? (error as Error).message}); a restart may report them again`);
    }
  }
}
