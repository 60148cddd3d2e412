// The deploy lock: a coordination.k8s.io/v1 Lease `eastern-lock-<project>` in the
// target namespace. Taken only when free, absent, or expired; every write is
// conditional on the resourceVersion read, so two deployers cannot both win.
// Renewed every 10 s while the deploy runs; a deploy killed with SIGKILL stops
// renewing and its lease expires 30 s after the last renewal.
//
// Holding the lock is proven, not assumed: before every write, a deploy whose last
// successful renewal is older than one and a half renewal periods (it was stopped,
// or its event loop starved) renews first, and stops if the lease has moved on.
// Released by clearing the holder, not by deleting the Lease: the Lease also keeps
// the highest revision number given out, so numbers are never reused even when
// release records are deleted by hand.

import { LockError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, type KubeObject } from '../kube/objects.js';
import { statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';

export const LABEL_LOCK_OF = 'eastern.io/lock-of';
/** On the Lease: the highest release revision ever given out for the project in this namespace. */
export const ANNOTATION_LAST_REVISION = 'eastern.io/last-revision';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The few calls the lock needs; a KubeClient provides them, tests use an in-memory one. */
export interface LeaseApi {
  get(): Promise<Lease | undefined>;
  /** 409 when it exists. */
  create(lease: Lease): Promise<Lease>;
  /** 409 when metadata.resourceVersion is stale. `once`: no retries (the caller retries the whole write). */
  replace(lease: Lease, options?: { once?: boolean }): Promise<Lease>;
}

export interface Clock {
  /** Wall-clock milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export function lockName(project: string): string {
  return `eastern-lock-${project}`;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export type LeaseState =
  | { state: 'absent' }
  | { state: 'free' | 'mine' | 'expired'; holder?: string }
  | { state: 'held'; holder: string; expiresInMs: number; renewedAgoMs: number };

/**
 * Who holds the lease now. A lease is expired when its renewTime plus duration lies
 * in the past by our clock, or when we have watched it unchanged for a whole
 * duration (which protects against a deployer whose clock runs ahead).
 */
export function assessLease(lease: Lease | undefined, me: string, now: number, observedSince?: number): LeaseState {
  if (!lease) return { state: 'absent' };
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity;
  if (!holder) return { state: 'free' };
  if (holder === me) return { state: 'mine', holder };
  const durationMs = (spec.leaseDurationSeconds ?? 30) * 1000;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const byWallClock = Number.isFinite(renewed) ? renewed + durationMs - now : 0;
  const byObservation = observedSince === undefined ? Infinity : observedSince + durationMs - now;
  const expiresInMs = Math.min(byWallClock, byObservation);
  if (expiresInMs <= 0) return { state: 'expired', holder };
  return { state: 'held', holder, expiresInMs, renewedAgoMs: Number.isFinite(renewed) ? Math.max(0, now - renewed) : 0 };
}

export interface LockOptions {
  api: LeaseApi;
  namespace: string;
  project: string;
  identity: string;
  logger?: Logger;
  clock?: Clock;
  durationSeconds?: number;
  renewEverySeconds?: number;
  /** Poll interval while waiting for another holder. */
  pollMs?: number;
  /** How often to say who holds it while waiting. */
  heartbeatMs?: number;
}

export class DeployLock {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Lease writes run one after another: each is conditional on the previous one's resourceVersion. */
  private writes: Promise<unknown> = Promise.resolve();
  /** When the last successful lease write was sent (our clock). */
  private lastRenewed = 0;
  private readonly controller = new AbortController();
  private readonly clock: Clock;
  private readonly duration: number;

  constructor(private readonly options: LockOptions) {
    this.clock = options.clock ?? systemClock;
    this.duration = options.durationSeconds ?? 30;
  }

  /** Aborted when the lease was lost (taken over after failed renewals). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get held(): boolean {
    return this.lease !== undefined && !this.controller.signal.aborted;
  }

  /** The highest revision given out so far, from the lease (0 when none is recorded). */
  get lastRevision(): number {
    const n = Number(this.lease?.metadata.annotations?.[ANNOTATION_LAST_REVISION] ?? 0);
    return Number.isInteger(n) && n > 0 ? n : 0;
  }

  private get renewEveryMs(): number {
    return (this.options.renewEverySeconds ?? 10) * 1000;
  }

  /** Runs one lease write after the ones before it. */
  private serial<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write, write);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private leaseFor(base: Lease | undefined, now: number): Lease {
    const previous = base?.spec;
    const transitions = (previous?.leaseTransitions ?? 0) + (previous?.holderIdentity && previous.holderIdentity !== this.options.identity ? 1 : 0);
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(base?.metadata ?? {}),
        name: lockName(this.options.project),
        namespace: this.options.namespace,
        labels: { ...(base?.metadata.labels ?? {}), [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_LOCK_OF]: this.options.project },
      },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: this.duration,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: transitions,
      },
    };
    return lease;
  }

  /** Waits up to `timeoutSeconds` for the lock; LockError names the holder when it does not come free. */
  async acquire(timeoutSeconds: number): Promise<void> {
    const { api, logger } = this.options;
    const start = this.clock.now();
    const deadline = start + timeoutSeconds * 1000;
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    let lastHeartbeat = -Infinity;
    let observed: { key: string; since: number } | undefined;
    for (;;) {
      const now = this.clock.now();
      const current = await api.get();
      const key = current ? `${current.metadata.resourceVersion}` : '';
      if (!observed || observed.key !== key) observed = { key, since: now };
      const state = assessLease(current, this.options.identity, now, observed.since);
      try {
        if (state.state === 'absent') {
          this.lease = await api.create(this.leaseFor(undefined, now));
        } else if (state.state !== 'held') {
          if (state.state === 'expired') logger?.warn(`the deploy lock held by ${state.holder} expired without being released (was that deploy killed?); taking it over`);
          this.lease = await api.replace({ ...this.leaseFor(current, now), metadata: { ...this.leaseFor(current, now).metadata, resourceVersion: current!.metadata.resourceVersion } });
        }
      } catch (error) {
        // Someone else wrote between our read and write: look again.
        if (statusOf(error) === 409) continue;
        throw error;
      }
      if (this.lease) {
        this.lastRenewed = now;
        this.startRenewing();
        return;
      }
      if (state.state !== 'held') continue;
      if (now >= deadline) {
        throw new LockError(`project ${this.options.project} in namespace ${this.options.namespace} is being deployed by ${state.holder}; gave up after ${timeoutSeconds} s`, {
          details: [`lock: Lease ${lockName(this.options.project)}, last renewed ${Math.round(state.renewedAgoMs / 1000)} s ago, expires in ${Math.ceil(state.expiresInMs / 1000)} s unless renewed`],
          fix: `wait for that deploy to finish and run again, or raise --lock-timeout; if that deploy is dead the lock frees itself ${this.duration} s after its last renewal (to free it now: kubectl delete lease ${lockName(this.options.project)} -n ${this.options.namespace})`,
        });
      }
      if (now - lastHeartbeat >= heartbeatMs) {
        lastHeartbeat = now;
        logger?.info(`waiting for the deploy lock: held by ${state.holder} (renewed ${Math.round(state.renewedAgoMs / 1000)} s ago; giving up in ${Math.max(0, Math.round((deadline - now) / 1000))} s)`);
      }
      await this.clock.sleep(Math.max(10, Math.min(this.options.pollMs ?? 1000, deadline - now, state.expiresInMs + 50)));
    }
  }

  private startRenewing() {
    this.timer = setInterval(() => void this.renew(), this.renewEveryMs);
    this.timer.unref();
  }

  /** One renewal (the timer's); never rejects: a lost lease shows in `signal` and check(). Public for tests that drive time by hand. */
  renew(): Promise<void> {
    return this.serial(() => this.write((lease, now) => ({ ...lease, spec: { ...lease.spec, renewTime: microTime(now) } }), false)).catch(() => undefined);
  }

  /**
   * Before a write: proves the lease is still ours. Fresh proof (a renewal within
   * one and a half periods) costs nothing; stale proof renews now (one attempt).
   * The lease moved on → lost, and the write stops for good; the server did not
   * answer → that error, and the write's own retries decide whether to try again.
   */
  async ensureHeld(): Promise<void> {
    this.check();
    if (!this.lease) throw new LockError(`the deploy lock of project ${this.options.project} is not held`);
    if (this.clock.now() - this.lastRenewed <= this.renewEveryMs * 1.5) return;
    this.options.logger?.debug('the lock was last renewed long ago (was this process stopped?); renewing before writing');
    await this.serial(() => this.write((lease, now) => ({ ...lease, spec: { ...lease.spec, renewTime: microTime(now) } }), true));
    this.check();
  }

  /** Synchronous: whether the proof is still fresh now (asked again right before each write leaves). */
  fresh(): boolean {
    return this.lease !== undefined && !this.controller.signal.aborted && this.clock.now() - this.lastRenewed <= this.renewEveryMs * 1.5;
  }

  /** The lock as a client's write guard. */
  guard(): { ensure(): Promise<void>; fresh(): boolean } {
    return { ensure: () => this.ensureHeld(), fresh: () => this.fresh() };
  }

  /** Records a newly given-out revision number on the lease (a conditional write, so it also proves the lease is ours). */
  noteRevision(revision: number): Promise<void> {
    return this.serial(() => this.write((lease, now) => ({
      ...lease,
      metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, [ANNOTATION_LAST_REVISION]: String(revision) } },
      spec: { ...lease.spec, renewTime: microTime(now) },
    }), true));
  }

  /**
   * One conditional write of the lease (conditional on the resourceVersion we hold,
   * so it succeeds only if nobody else wrote the lease since: the fencing proof).
   * A 409 means someone else wrote it: still ours (a retried write of our own) →
   * again; anyone else's → lost. `strict` (proof before a write): other errors are
   * thrown as they are. Otherwise (the timer): lost once unrenewed for the lease's duration.
   */
  private async write(change: (lease: Lease, now: number) => Lease, strict: boolean): Promise<void> {
    if (!this.lease || this.controller.signal.aborted) {
      this.check();
      return;
    }
    const now = this.clock.now();
    try {
      // One attempt: the lock keeps its own time (the timer tries again, a write retries its guard).
      this.lease = await this.options.api.replace(change(this.lease, now), { once: true });
      this.lastRenewed = now;
      return;
    } catch (error) {
      if (statusOf(error) === 409) {
        const current = await this.options.api.get().catch(() => undefined);
        if (current?.spec?.holderIdentity === this.options.identity) {
          this.lease = current;
          return this.write(change, strict);
        }
        this.lose(`taken over by ${current?.spec?.holderIdentity || 'nobody (deleted or released)'}`);
      } else if (strict) {
        throw error;
      } else if (now - this.lastRenewed >= this.duration * 1000) {
        this.lose(`could not renew it for ${Math.round((now - this.lastRenewed) / 1000)} s (${(error as Error).message})`);
      } else {
        this.options.logger?.warn(`could not renew the deploy lock (${(error as Error).message}); trying again`);
        return;
      }
    }
    this.check();
  }

  private lose(why: string) {
    if (this.controller.signal.aborted) return;
    this.options.logger?.error(`lost the deploy lock: ${why}`);
    this.stop();
    this.controller.abort(new LockError(`lost the deploy lock of project ${this.options.project}: ${why}`, { fix: 'check who else deploys this project, then deploy again' }));
  }

  private stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Throws when the lock was lost; the deploy's phases check it before and after each phase and before each write. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  /**
   * Releases the lease if we still hold it (clears the holder; the Lease and its
   * revision counter stay); never throws.
   */
  async release(): Promise<void> {
    this.stop();
    await this.writes;
    const lease = this.lease;
    if (!lease || this.controller.signal.aborted) return;
    try {
      const { holderIdentity: _holder, ...spec } = lease.spec ?? {};
      await this.options.api.replace({ ...lease, spec: { ...spec, renewTime: microTime(this.clock.now()) } });
    } catch (error) {
      if (statusOf(error) !== 409) this.options.logger?.warn(`could not release the deploy lock (${(error as Error).message}); it expires in ${this.duration} s`);
    } finally {
      this.lease = undefined;
    }
  }
}

/** The lease calls over a real cluster. */
export function clusterLeaseApi(client: KubeClient, namespace: string, project: string): LeaseApi {
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: lockName(project) };
  return {
    get: () => client.get<Lease>(ref),
    create: (lease) => client.create(lease),
    replace: (lease, options) => (options?.once ? client.withPolicy({ attempts: 1, baseMs: 0, maxMs: 0 }) : client).replace(lease),
  };
}

/**
 * Who is deploying the project right now: the holder of an unexpired lease, or
 * undefined. (A deploy killed a moment ago still holds it until its lease expires.)
 */
export async function lockHolder(client: KubeClient, namespace: string, project: string, now = Date.now()): Promise<string | undefined> {
  const lease = await clusterLeaseApi(client, namespace, project).get();
  const state = assessLease(lease, '', now);
  return state.state === 'held' ? state.holder : undefined;
}
