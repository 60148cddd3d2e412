// The rollout watch (after Krane's resource_watcher.rb): keep a watched copy of
// every target and of what the rules read (pods, ReplicaSets, EndpointSlices, …),
// re-judge on every change, and stop at the first verdict that settles the
// outcome: all succeeded, one failed, or one past its deadline. No polling: the
// only timers are the heartbeat, the deadlines and the image-pull graces.
// Everything particular to a kind lives on its rule (kinds.ts).
import { Reflector, type ReflectorOptions } from '../kube/reflector.js';
import type { Logger } from '../output/logger.js';
import type { RolloutApi } from './api.js';
import { describePod } from './doomed-pod.js';
import { nothingToWaitFor, ruleFor, type KindRule, type Need } from './kinds.js';
import { displayName, type KubeObject, type StorageClass } from './objects.js';
import { failureDetails } from './report.js';
import { objectTimeout } from './timeout.js';
import { IMAGE_PULL_GRACE_MS, succeeded, type RuleContext, type Verdict } from './verdict.js';

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Template file:line, for messages. */
  source?: string;
}

export interface WatchOptions {
  /** The cluster: KubeClient, or an in-memory stand-in in unit tests. */
  api: RolloutApi;
  targets: WatchTarget[];
  /** Namespace of targets that name none (the context's). */
  defaultNamespace?: string;
  /** Seconds; 0 = none. The annotation eastern.io/timeout on an object overrides it for that object. */
  timeoutSeconds: number;
  logger: Logger;
  /** Aborting stops the watch; watchRollout then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Heartbeat period (default 10 s). */
  heartbeatSeconds?: number;
  /** How long ErrImagePull / ImagePullBackOff may last, from the pod's start (default 30 s). */
  imagePullGraceSeconds?: number;
  /** Deployments: wait until old ReplicaSets have no replicas (default true, as kubectl). */
  waitForOldReplicas?: boolean;
  /** Print the last log lines of failing containers (default true; `eastern job` streams the log instead). */
  logTails?: boolean;
  /** Epoch-ms clock (injected by tests). */
  clock?: () => number;
  reflector?: ReflectorOptions;
}

export type TargetState = 'succeeded' | 'failed' | 'timeout' | 'pending';

export interface TargetOutcome {
  target: WatchTarget;
  state: TargetState;
  message: string;
  /** Milliseconds from the start of the watch to its verdict. */
  elapsedMs?: number;
}

export interface RolloutFailure {
  target: WatchTarget;
  reason: string;
  details: string[];
}

export interface RolloutResult {
  outcome: 'succeeded' | 'failed' | 'timeout';
  summary: string;
  failures: RolloutFailure[];
  /** Every target with its last state (for release records). */
  objects: TargetOutcome[];
  elapsedMs: number;
}

interface Tracked {
  target: WatchTarget;
  display: string;
  rule: KindRule;
  namespace: string | undefined;
  key: string;
  reflector?: Reflector<KubeObject>;
  /** Set when the collection could not even be located (kind not served). */
  unresolved?: string;
  state: TargetState;
  verdict: Verdict;
  deadline: number | undefined;
  timeoutSeconds: number;
  timeoutRead: boolean;
  settledAt?: number;
  warned: Set<string>;
}

const NEED_PATHS: Record<Exclude<Need, 'storageClasses'>, (ns: string) => string> = {
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`,
  replicaSets: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`,
  controllerRevisions: (ns) => `/apis/apps/v1/namespaces/${ns}/controllerrevisions`,
  endpointSlices: (ns) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
};
const STORAGE_CLASSES = '/apis/storage.k8s.io/v1/storageclasses';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const HEARTBEAT_TARGETS = 5;

const pendingVerdict = (message: string): Verdict => ({ state: 'pending', message, reasons: [], pods: [] });

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function listNames(names: string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length - max} more)`;
}

function pendingLine(t: Tracked): string {
  const reasons = t.verdict.reasons.slice(0, 2);
  return `${t.display}: ${t.verdict.message}${reasons.length ? `; ${reasons.join('; ')}` : ''}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function watchRollout(options: WatchOptions): Promise<RolloutResult> {
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('the rollout watch was interrupted');
  if (options.targets.length === 0) {
    return { outcome: 'succeeded', summary: 'nothing to wait for', failures: [], objects: [], elapsedMs: 0 };
  }
  const watch = new RolloutWatch(options);
  await watch.resolve();
  return watch.run();
}

/** One rollout watch: resolve → start reflectors → evaluate on every change → finish. */
class RolloutWatch {
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly started: number;
  private readonly globalTimeout: number;
  private tracked: Tracked[] = [];
  /** One reflector per collection (and per name when only one object of it is watched). */
  private readonly reflectors = new Map<string, Reflector<KubeObject>>();
  private readonly needs = new Map<string, Partial<Record<Need, Reflector<KubeObject>>>>();
  private storageClasses: Reflector<KubeObject> | undefined;
  private readonly warnedReflectors = new Set<Reflector<KubeObject>>();
  private scheduled = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private settle: (result: RolloutResult) => void = () => {};
  private abandon: (error: unknown) => void = () => {};
  private readonly onAbort = () => {
    if (this.finished) return;
    this.stopAll();
    this.abandon(this.options.signal?.reason ?? new Error('the rollout watch was interrupted'));
  };

  constructor(private readonly options: WatchOptions) {
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger;
    this.started = this.clock();
    this.globalTimeout = Math.max(0, options.timeoutSeconds);
  }

  private readonly schedule = () => {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(() => this.evaluate());
  };

  private reflectorFor(path: string, query: Record<string, string>): Reflector<KubeObject> {
    const key = `${path}?${new URLSearchParams(query).toString()}`;
    let r = this.reflectors.get(key);
    if (!r) {
      r = new Reflector<KubeObject>(this.options.api, path, query, this.schedule, { debug: (m) => this.logger.debug(m), ...this.options.reflector });
      this.reflectors.set(key, r);
    }
    return r;
  }

  /** Where each target's collection lives, and which namespaced collections the rules read. */
  async resolve(): Promise<void> {
    const { api } = this.options;
    const fallbackNamespace = this.options.defaultNamespace || 'default';
    const located = await Promise.all(this.options.targets.map(async (target) => {
      const namespace = target.namespace || fallbackNamespace;
      if (nothingToWaitFor(target.apiVersion, target.kind)) return { target, namespace, applied: true as const };
      try {
        return { target, namespace, ...(await api.collection(target.apiVersion, target.kind, namespace)) };
      } catch (error) {
        return { target, namespace, error: (error as Error).message };
      }
    }));
    const perPath = new Map<string, number>();
    for (const l of located) if ('path' in l) perPath.set(l.path, (perPath.get(l.path) ?? 0) + 1);

    const needsByNamespace = new Map<string, Set<Need>>();
    this.tracked = located.map((l) => {
      const rule = ruleFor(l.target.apiVersion, l.target.kind);
      const namespace = 'namespaced' in l ? (l.namespaced ? l.namespace : undefined) : l.target.namespace;
      const base: Tracked = {
        target: l.target,
        display: displayName(l.target.kind, l.target.name),
        rule,
        namespace,
        key: `${namespace ?? ''}/${l.target.name}`,
        state: 'pending',
        verdict: pendingVerdict('not read yet'),
        deadline: this.globalTimeout > 0 ? this.started + this.globalTimeout * 1000 : undefined,
        timeoutSeconds: this.globalTimeout,
        timeoutRead: false,
        warned: new Set(),
      };
      if ('applied' in l) return { ...base, state: 'succeeded' as const, settledAt: this.started, verdict: succeeded('applied (nothing to wait for)') };
      if ('error' in l && l.error !== undefined) return { ...base, unresolved: l.error };
      if (!('path' in l)) return base;
      const query: Record<string, string> = perPath.get(l.path) === 1 ? { fieldSelector: `metadata.name=${l.target.name}` } : {};
      if (namespace) {
        const needs = needsByNamespace.get(namespace) ?? new Set<Need>();
        for (const need of rule.needs) needs.add(need);
        needsByNamespace.set(namespace, needs);
      }
      return { ...base, reflector: this.reflectorFor(l.path, query) };
    });

    for (const [ns, needs] of needsByNamespace) {
      const entry: Partial<Record<Need, Reflector<KubeObject>>> = {};
      for (const need of needs) {
        if (need === 'storageClasses') this.storageClasses ??= this.reflectorFor(STORAGE_CLASSES, {});
        else entry[need] = this.reflectorFor(NEED_PATHS[need](encodeURIComponent(ns)), {});
      }
      this.needs.set(ns, entry);
    }
  }

  run(): Promise<RolloutResult> {
    const done = new Promise<RolloutResult>((resolve, reject) => { this.settle = resolve; this.abandon = reject; });
    const { tracked } = this;
    this.logger.info(`waiting for ${tracked.length === 1 ? tracked[0]?.display : `${tracked.length} objects (${listNames(tracked.map((t) => t.display))})`}` +
      `${this.globalTimeout > 0 ? `, timeout ${this.globalTimeout}s` : ''}`);
    this.options.signal?.addEventListener('abort', this.onAbort);
    this.heartbeat = setInterval(() => this.beat(), (this.options.heartbeatSeconds ?? 10) * 1000);
    for (const r of this.reflectors.values()) r.start();
    this.schedule();
    return done;
  }

  private beat(): void {
    const waiting = this.tracked.filter((t) => t.state === 'pending');
    if (waiting.length === 0 || this.finished) return;
    for (const t of waiting.slice(0, HEARTBEAT_TARGETS)) this.logger.info(`waiting for ${pendingLine(t)}`);
    if (waiting.length > HEARTBEAT_TARGETS) this.logger.info(`… and ${waiting.length - HEARTBEAT_TARGETS} more: ${listNames(waiting.slice(HEARTBEAT_TARGETS).map((t) => t.display))}`);
  }

  private stopAll(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    for (const r of this.reflectors.values()) r.stop().catch(() => {});
  }

  private storageClass = (name: string | undefined): StorageClass | undefined => {
    const all = (this.storageClasses?.values() ?? []) as StorageClass[];
    return name === undefined ? all.find((c) => c.metadata?.annotations?.[DEFAULT_CLASS] === 'true') : all.find((c) => c.metadata?.name === name);
  };

  private contextFor(t: Tracked, now: number): RuleContext {
    const ns = t.namespace ? this.needs.get(t.namespace) : undefined;
    return {
      now,
      pods: (ns?.pods?.values() ?? []) as RuleContext['pods'],
      replicaSets: (ns?.replicaSets?.values() ?? []) as RuleContext['replicaSets'],
      controllerRevisions: (ns?.controllerRevisions?.values() ?? []) as RuleContext['controllerRevisions'],
      endpointSlices: (ns?.endpointSlices?.values() ?? []) as RuleContext['endpointSlices'],
      storageClass: this.storageClass,
      imagePullGraceMs: this.options.imagePullGraceSeconds !== undefined ? this.options.imagePullGraceSeconds * 1000 : IMAGE_PULL_GRACE_MS,
      waitForOldReplicas: this.options.waitForOldReplicas ?? true,
      scaledToZero: this.tracked.flatMap((w) => {
        const live = w.namespace === t.namespace ? w.reflector?.items.get(w.key) : undefined;
        const labels = live && w.rule.scaledToZero?.(live);
        return labels ? [labels] : [];
      }),
    };
  }

  private warnOnce(t: Tracked, key: string, text: string): void {
    if (t.warned.has(key)) return;
    t.warned.add(key);
    this.logger.warn(`${t.display}: ${text}`);
  }

  private judge(t: Tracked, now: number): Verdict {
    if (t.unresolved !== undefined) {
      this.warnOnce(t, 'unresolved', `not watched (${t.unresolved}); accepting it as applied`);
      return succeeded(`not watched: ${t.unresolved}`);
    }
    const r = t.reflector;
    if (!r) return t.verdict;
    if (r.error !== undefined) {
      this.warnOnce(t, 'unreadable', `cannot watch it (${r.error}); accepting it as applied`);
      return succeeded(`not verified: ${r.error}`);
    }
    if (!r.synced) return pendingVerdict('reading it');
    const object = r.items.get(t.key);
    if (!object) return pendingVerdict('not found in the cluster');
    if (!t.timeoutRead) this.readTimeout(t, object);
    const needs = t.namespace ? this.needs.get(t.namespace) : undefined;
    for (const need of t.rule.needs) {
      const error = need === 'storageClasses' ? this.storageClasses?.error : needs?.[need]?.error;
      const instead = error !== undefined ? t.rule.withoutNeed?.(need, error) : undefined;
      if (instead) return instead;
    }
    return t.rule.verdict(object, this.contextFor(t, now));
  }

  /** The object's own timeout (annotation), read once it is first seen. */
  private readTimeout(t: Tracked, object: KubeObject): void {
    t.timeoutRead = true;
    const timeout = objectTimeout(object.metadata?.annotations, this.globalTimeout);
    if (timeout.warning) this.logger.warn(`${t.display}: ${timeout.warning}`);
    t.timeoutSeconds = timeout.seconds;
    t.deadline = timeout.seconds > 0 ? this.started + timeout.seconds * 1000 : undefined;
    if (timeout.fromAnnotation) this.logger.debug(`${t.display}: timeout ${timeout.seconds === 0 ? 'none' : `${timeout.seconds}s`} (annotation)`);
  }

  private warnUnreadableNeeds(): void {
    for (const entry of this.needs.values()) {
      for (const r of Object.values(entry)) {
        if (r.error === undefined || this.warnedReflectors.has(r)) continue;
        this.warnedReflectors.add(r);
        this.logger.warn(`${r.error}; rollouts that need it are judged without it (failures may only show at the timeout)`);
      }
    }
  }

  /** Re-judges every pending target; returns when it next needs to look without an API event. */
  private judgeAll(now: number): number | undefined {
    let wake: number | undefined;
    for (const t of this.tracked) {
      if (t.state !== 'pending') continue;
      const previous = t.verdict;
      const verdict = (t.verdict = this.judge(t, now));
      if (verdict.state === 'succeeded') {
        t.state = 'succeeded';
        t.settledAt = now;
        const line = `${t.display} ${t.rule.doneWord}: ${verdict.message} (${seconds(now - this.started)})`;
        if (verdict.quiet) this.logger.debug(line);
        else this.logger.info(line);
        continue;
      }
      if (verdict.state === 'failed' || (t.deadline !== undefined && now >= t.deadline)) {
        t.state = verdict.state === 'failed' ? 'failed' : 'timeout';
        t.settledAt = now;
        continue;
      }
      if (verdict.message !== previous.message) this.logger.debug(`${t.display}: ${verdict.message}`);
      for (const pod of verdict.pods) {
        if (pod.doomed) this.warnOnce(t, `${pod.uid ?? pod.name}:${pod.summary.replace(/\d+ restarts?/, '')}`, describePod(pod));
      }
      for (const at of [verdict.recheckAt, t.deadline]) if (at !== undefined && (wake === undefined || at < wake)) wake = at;
    }
    return wake;
  }

  private evaluate(): void {
    this.scheduled = false;
    if (this.finished) return;
    this.warnUnreadableNeeds();
    const wake = this.judgeAll(this.clock());
    const failedOnes = this.tracked.filter((t) => t.state === 'failed');
    const timedOut = this.tracked.filter((t) => t.state === 'timeout');
    if (failedOnes.length > 0 || timedOut.length > 0) {
      this.stopAll();
      void this.finish(failedOnes.length > 0 ? 'failed' : 'timeout', [...failedOnes, ...timedOut]).then(this.settle, this.abandon);
      return;
    }
    if (this.tracked.every((t) => t.state === 'succeeded')) {
      this.stopAll();
      void this.finish('succeeded', []).then(this.settle, this.abandon);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = wake === undefined ? undefined : setTimeout(this.schedule, Math.max(0, wake - this.clock()) + 5);
  }

  private async failureOf(t: Tracked): Promise<RolloutFailure> {
    const object = t.reflector?.items.get(t.key);
    const related = object && t.rule.related ? t.rule.related(object, this.contextFor(t, this.clock())) : [];
    const reason = t.state === 'timeout' ? `timed out after ${t.timeoutSeconds}s: ${t.verdict.message}` : t.verdict.message;
    let details: string[];
    try {
      details = await withTimeout(failureDetails(this.options.api, {
        display: t.display,
        verdict: t.verdict,
        ...(object && { object }),
        related,
        eventsSince: this.started - 60_000,
      }, { logs: this.options.logTails ?? true }), 15_000);
    } catch (error) {
      details = [...t.verdict.reasons, `(events and logs unavailable: ${(error as Error).message})`];
    }
    return { target: t.target, reason, details };
  }

  private async finish(outcome: RolloutResult['outcome'], bad: Tracked[]): Promise<RolloutResult> {
    const elapsedMs = this.clock() - this.started;
    const objects: TargetOutcome[] = this.tracked.map((t) => ({
      target: t.target,
      state: t.state,
      message: t.verdict.message,
      ...(t.settledAt !== undefined && { elapsedMs: t.settledAt - this.started }),
    }));
    if (outcome === 'succeeded') {
      const only = this.tracked.length === 1 ? this.tracked[0] : undefined;
      const summary = only ? `${only.display} ${only.rule.finishedWord} in ${seconds(elapsedMs)}` : `all ${this.tracked.length} objects rolled out in ${seconds(elapsedMs)}`;
      this.logger.info(summary);
      return { outcome, summary, failures: [], objects, elapsedMs };
    }
    const failures = await Promise.all(bad.map((t) => this.failureOf(t)));
    for (const [i, f] of failures.entries()) {
      const t = bad[i] as Tracked;
      this.logger.error(`${t.display} ${t.state === 'timeout' ? 'did not finish' : 'failed'}: ${f.reason}${t.target.source ? ` (${t.target.source})` : ''}`);
      for (const line of f.details) this.logger.info(`  ${line}`);
    }
    const stillPending = this.tracked.filter((t) => t.state === 'pending');
    if (stillPending.length > 0) this.logger.info(`not finished either: ${listNames(stillPending.map(pendingLine), 3)}`);
    const first = failures[0];
    const firstDisplay = bad[0]?.display ?? '';
    const summary = outcome === 'failed'
      ? (failures.length === 1 && first ? `${firstDisplay} failed: ${first.reason}` : `${failures.length} objects failed: ${listNames(bad.map((t) => t.display))}`)
      : (failures.length === 1 && first ? `${firstDisplay} ${first.reason}` : `${failures.length} objects timed out: ${listNames(bad.map((t) => t.display))}`);
    return { outcome, summary, failures, objects, elapsedMs };
  }
}
