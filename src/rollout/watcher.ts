// The rollout watch (after Krane's resource_watcher.rb): keep a watched copy of
// every target and of what the rules read (pods, ReplicaSets, EndpointSlices, …),
// re-judge on every change, and stop at the first verdict that settles the
// outcome: all succeeded, one failed, or one past its deadline. No polling: the
// only timers are the heartbeat, the deadlines and the image-pull graces.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../output/logger.js';
import { createRolloutApi, type RolloutApi } from './api.js';
import { newReplicaSet } from './deployment.js';
import { describePod } from './doomed-pod.js';
import { nothingToWaitFor, ruleFor, type KindRule, type Need } from './kinds.js';
import { displayName, type Deployment, type KubeObject, type Service, type StorageClass } from './objects.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import { failureDetails } from './report.js';
import { objectTimeout } from './timeout.js';
import { IMAGE_PULL_GRACE_MS, type RuleContext, type Verdict } from './verdict.js';

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Template file:line, for messages. */
  source?: string;
}

export interface WatchOptions {
  kubeConfig: KubeConfig;
  targets: WatchTarget[];
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
  /** API access (injected by tests; default: HTTP through the kubeconfig). */
  api?: RolloutApi;
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
  reflector?: Reflector;
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

/** Selector ⊆ labels. */
function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export async function watchRollout(options: WatchOptions): Promise<RolloutResult> {
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const started = clock();
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('the rollout watch was interrupted');
  if (options.targets.length === 0) {
    return { outcome: 'succeeded', summary: 'nothing to wait for', failures: [], objects: [], elapsedMs: 0 };
  }

  const kc = options.kubeConfig;
  const api = options.api ?? createRolloutApi(kc, (await import('@kubernetes/client-node')).Watch);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  const globalTimeout = Math.max(0, options.timeoutSeconds);
  const graceMs = options.imagePullGraceSeconds !== undefined ? options.imagePullGraceSeconds * 1000 : IMAGE_PULL_GRACE_MS;
  const heartbeatMs = (options.heartbeatSeconds ?? 10) * 1000;

  let scheduled = false;
  let finished = false;
  const schedule = () => {
    if (scheduled || finished) return;
    scheduled = true;
    setImmediate(evaluate);
  };

  // One reflector per collection (and per name when only one object of it is watched).
  const reflectors = new Map<string, Reflector>();
  const reflectorFor = (path: string, query: Record<string, string>) => {
    const key = `${path}?${new URLSearchParams(query).toString()}`;
    let r = reflectors.get(key);
    if (!r) {
      r = new Reflector(api, path, query, schedule, { debug: (m) => logger.debug(m), ...options.reflector });
      reflectors.set(key, r);
    }
    return r;
  };

  const resolved = await Promise.all(options.targets.map(async (target) => {
    const namespace = target.namespace || contextNamespace;
    if (nothingToWaitFor(target.apiVersion, target.kind)) return { target, namespace, applied: true as const };
    try {
      return { target, namespace, ...(await api.collection(target.apiVersion, target.kind, namespace)) };
    } catch (error) {
      return { target, namespace, error: (error as Error).message };
    }
  }));
  const perPath = new Map<string, number>();
  for (const r of resolved) if ('path' in r) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1);

  const nsNeeds = new Map<string, Set<Need>>();
  const tracked: Tracked[] = resolved.map((r) => {
    const rule = ruleFor(r.target.apiVersion, r.target.kind);
    const namespaced = 'namespaced' in r ? r.namespaced : Boolean(r.target.namespace);
    const namespace = namespaced ? r.namespace : undefined;
    const base: Tracked = {
      target: r.target,
      display: displayName(r.target.kind, r.target.name),
      rule,
      namespace,
      key: `${namespace ?? ''}/${r.target.name}`,
      state: 'pending',
      verdict: { state: 'pending', message: 'not read yet', reasons: [], pods: [] },
      deadline: globalTimeout > 0 ? started + globalTimeout * 1000 : undefined,
      timeoutSeconds: globalTimeout,
      timeoutRead: false,
      warned: new Set(),
    };
    if ('applied' in r) {
      return { ...base, namespace: r.target.namespace, state: 'succeeded' as const, settledAt: started, verdict: { state: 'succeeded' as const, message: 'applied (nothing to wait for)', reasons: [], pods: [] } };
    }
    if ('error' in r && r.error !== undefined) return { ...base, unresolved: r.error };
    if (!('path' in r)) return base;
    const query: Record<string, string> = perPath.get(r.path) === 1 ? { fieldSelector: `metadata.name=${r.target.name}` } : {};
    if (namespace) {
      const needs = nsNeeds.get(namespace) ?? new Set<Need>();
      for (const need of rule.needs) needs.add(need);
      nsNeeds.set(namespace, needs);
    }
    return { ...base, reflector: reflectorFor(r.path, query) };
  });

  const nsReflectors = new Map<string, Partial<Record<Need, Reflector>>>();
  let storageClasses: Reflector | undefined;
  for (const [ns, needs] of nsNeeds) {
    const entry: Partial<Record<Need, Reflector>> = {};
    for (const need of needs) {
      if (need === 'storageClasses') storageClasses ??= reflectorFor(STORAGE_CLASSES, {});
      else entry[need] = reflectorFor(NEED_PATHS[need](encodeURIComponent(ns)), {});
    }
    nsReflectors.set(ns, entry);
  }

  const storageClass = (name: string | undefined): StorageClass | undefined => {
    const all = (storageClasses?.values() ?? []) as StorageClass[];
    return name === undefined ? all.find((c) => c.metadata?.annotations?.[DEFAULT_CLASS] === 'true') : all.find((c) => c.metadata?.name === name);
  };

  function contextFor(t: Tracked, now: number, object: KubeObject): RuleContext {
    const ns = t.namespace ? nsReflectors.get(t.namespace) : undefined;
    const ctx: RuleContext = {
      now,
      pods: (ns?.pods?.values() ?? []) as RuleContext['pods'],
      replicaSets: (ns?.replicaSets?.values() ?? []) as RuleContext['replicaSets'],
      controllerRevisions: (ns?.controllerRevisions?.values() ?? []) as RuleContext['controllerRevisions'],
      endpointSlices: (ns?.endpointSlices?.values() ?? []) as RuleContext['endpointSlices'],
      storageClass,
      imagePullGraceMs: graceMs,
      waitForOldReplicas: options.waitForOldReplicas ?? true,
    };
    if (t.rule.name === 'service') {
      const selector = (object as Service).spec?.selector ?? {};
      ctx.expectsNoEndpoints = Object.keys(selector).length > 0 && tracked.some((w) => {
        if (w.namespace !== t.namespace || !['deployment', 'stateful-set', 'replica-set'].includes(w.rule.name)) return false;
        const live = w.reflector?.items.get(w.key) as { spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } } } | undefined;
        return live?.spec?.replicas === 0 && selects(selector, live.spec.template?.metadata?.labels);
      });
    }
    return ctx;
  }

  function judge(t: Tracked, now: number): Verdict {
    if (t.unresolved !== undefined) {
      if (!t.warned.has('unresolved')) {
        t.warned.add('unresolved');
        logger.warn(`${t.display}: not watched (${t.unresolved}); accepting it as applied`);
      }
      return { state: 'succeeded', message: `not watched: ${t.unresolved}`, reasons: [], pods: [] };
    }
    const r = t.reflector;
    if (!r) return t.verdict;
    if (r.error !== undefined) {
      if (!t.warned.has('unreadable')) {
        t.warned.add('unreadable');
        logger.warn(`${t.display}: cannot watch it (${r.error}); accepting it as applied`);
      }
      return { state: 'succeeded', message: `not verified: ${r.error}`, reasons: [], pods: [] };
    }
    if (!r.synced) return { state: 'pending', message: 'reading it', reasons: [], pods: [] };
    const object = r.items.get(t.key);
    if (!object) return { state: 'pending', message: 'not found in the cluster', reasons: [], pods: [] };
    if (!t.timeoutRead) {
      t.timeoutRead = true;
      const timeout = objectTimeout(object.metadata?.annotations, globalTimeout);
      if (timeout.warning) logger.warn(`${t.display}: ${timeout.warning}`);
      t.timeoutSeconds = timeout.seconds;
      t.deadline = timeout.seconds > 0 ? started + timeout.seconds * 1000 : undefined;
      if (timeout.fromAnnotation) logger.debug(`${t.display}: timeout ${timeout.seconds === 0 ? 'none' : `${timeout.seconds}s`} (annotation)`);
    }
    const ns = t.namespace ? nsReflectors.get(t.namespace) : undefined;
    if (t.rule.name === 'service' && ns?.endpointSlices?.error !== undefined) {
      return { state: 'succeeded', message: `endpoints not checked: ${ns.endpointSlices.error}`, reasons: [], pods: [] };
    }
    return t.rule.verdict(object, contextFor(t, now, object));
  }

  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let settle: (result: RolloutResult) => void = () => {};
  let abandon: (error: unknown) => void = () => {};
  const done = new Promise<RolloutResult>((resolve, reject) => { settle = resolve; abandon = reject; });

  const stopAll = () => {
    finished = true;
    if (timer) clearTimeout(timer);
    if (heartbeat) clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
    for (const r of reflectors.values()) r.stop().catch(() => {});
  };

  function onAbort() {
    if (finished) return;
    stopAll();
    abandon(options.signal?.reason ?? new Error('the rollout watch was interrupted'));
  }

  const warnedReflectors = new Set<Reflector>();
  function evaluate(): void {
    scheduled = false;
    if (finished) return;
    const now = clock();
    for (const entry of nsReflectors.values()) {
      for (const r of Object.values(entry)) {
        if (r.error === undefined || warnedReflectors.has(r)) continue;
        warnedReflectors.add(r);
        logger.warn(`${r.error}; rollouts that need it are judged without it (failures may only show at the timeout)`);
      }
    }
    let wake: number | undefined;
    for (const t of tracked) {
      if (t.state !== 'pending') continue;
      const verdict = judge(t, now);
      const previous = t.verdict;
      t.verdict = verdict;
      if (verdict.state === 'succeeded') {
        t.state = 'succeeded';
        t.settledAt = now;
        const line = `${t.display} ${t.rule.name === 'job' ? 'succeeded' : 'ready'}: ${verdict.message} (${seconds(now - started)})`;
        if (t.rule.name === 'generic' && verdict.message === 'exists') logger.debug(line);
        else logger.info(line);
        continue;
      }
      if (verdict.state === 'failed') {
        t.state = 'failed';
        t.settledAt = now;
        continue;
      }
      if (t.deadline !== undefined && now >= t.deadline) {
        t.state = 'timeout';
        t.settledAt = now;
        continue;
      }
      if (verdict.message !== previous.message) logger.debug(`${t.display}: ${verdict.message}`);
      for (const pod of verdict.pods) {
        if (!pod.doomed) continue;
        const key = `${pod.uid ?? pod.name}:${pod.summary.replace(/\d+ restarts?/, '')}`;
        if (t.warned.has(key)) continue;
        t.warned.add(key);
        logger.warn(`${t.display}: ${describePod(pod)}`);
      }
      for (const at of [verdict.recheckAt, t.deadline]) if (at !== undefined && (wake === undefined || at < wake)) wake = at;
    }

    const failedOnes = tracked.filter((t) => t.state === 'failed');
    const timedOut = tracked.filter((t) => t.state === 'timeout');
    if (failedOnes.length > 0 || timedOut.length > 0) {
      stopAll();
      void finish(failedOnes.length > 0 ? 'failed' : 'timeout', [...failedOnes, ...timedOut]).then(settle, abandon);
      return;
    }
    if (tracked.every((t) => t.state === 'succeeded')) {
      stopAll();
      void finish('succeeded', []).then(settle, abandon);
      return;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (wake !== undefined) timer = setTimeout(schedule, Math.max(0, wake - clock()) + 5);
  }

  async function finish(outcome: RolloutResult['outcome'], bad: Tracked[]): Promise<RolloutResult> {
    const elapsedMs = clock() - started;
    const objects: TargetOutcome[] = tracked.map((t) => ({
      target: t.target,
      state: t.state,
      message: t.verdict.message,
      ...(t.settledAt !== undefined && { elapsedMs: t.settledAt - started }),
    }));
    if (outcome === 'succeeded') {
      const only = tracked.length === 1 ? tracked[0] : undefined;
      const summary = only
        ? `${only.display} ${only.rule.name === 'job' ? 'finished' : 'rolled out'} in ${seconds(elapsedMs)}`
        : `all ${tracked.length} objects rolled out in ${seconds(elapsedMs)}`;
      logger.info(summary);
      return { outcome, summary, failures: [], objects, elapsedMs };
    }
    const failures = await Promise.all(bad.map(async (t): Promise<RolloutFailure> => {
      const object = t.reflector?.items.get(t.key);
      const related: KubeObject[] = [];
      if (t.rule.name === 'deployment' && object && t.namespace) {
        const rs = newReplicaSet(object as Deployment, (nsReflectors.get(t.namespace)?.replicaSets?.values() ?? []) as RuleContext['replicaSets']);
        if (rs) related.push(rs);
      }
      const reason = t.state === 'timeout'
        ? `timed out after ${t.timeoutSeconds}s: ${t.verdict.message}`
        : t.verdict.message;
      let details: string[];
      try {
        details = await withTimeout(failureDetails(api, {
          display: t.display,
          verdict: t.verdict,
          ...(object && { object }),
          related,
          eventsSince: started - 60_000,
        }, { logs: options.logTails ?? true }), 15_000);
      } catch (error) {
        details = [...t.verdict.reasons, `(events and logs unavailable: ${(error as Error).message})`];
      }
      return { target: t.target, reason, details };
    }));
    for (const [i, f] of failures.entries()) {
      const t = bad[i] as Tracked;
      logger.error(`${t.display} ${t.state === 'timeout' ? 'did not finish' : 'failed'}: ${f.reason}${t.target.source ? ` (${t.target.source})` : ''}`);
      for (const line of f.details) logger.info(`  ${line}`);
    }
    const stillPending = tracked.filter((t) => t.state === 'pending');
    if (stillPending.length > 0) logger.info(`not finished either: ${listNames(stillPending.map(pendingLine), 3)}`);
    const first = failures[0];
    const firstDisplay = bad[0]?.display ?? '';
    const summary = outcome === 'failed'
      ? (failures.length === 1 && first ? `${firstDisplay} failed: ${first.reason}` : `${failures.length} objects failed: ${listNames(bad.map((t) => t.display))}`)
      : (failures.length === 1 && first ? `${firstDisplay} ${first.reason}` : `${failures.length} objects timed out: ${listNames(bad.map((t) => t.display))}`);
    return { outcome, summary, failures, objects, elapsedMs };
  }

  logger.info(`waiting for ${tracked.length === 1 ? tracked[0]?.display : `${tracked.length} objects (${listNames(tracked.map((t) => t.display))})`}` +
    `${globalTimeout > 0 ? `, timeout ${globalTimeout}s` : ''}`);
  options.signal?.addEventListener('abort', onAbort);
  heartbeat = setInterval(() => {
    const waiting = tracked.filter((t) => t.state === 'pending');
    if (waiting.length === 0 || finished) return;
    for (const t of waiting.slice(0, HEARTBEAT_TARGETS)) logger.info(`waiting for ${pendingLine(t)}`);
    if (waiting.length > HEARTBEAT_TARGETS) logger.info(`… and ${waiting.length - HEARTBEAT_TARGETS} more: ${listNames(waiting.slice(HEARTBEAT_TARGETS).map((t) => t.display))}`);
  }, heartbeatMs);
  for (const r of reflectors.values()) r.start();
  schedule();
  return done;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
