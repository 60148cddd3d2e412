// The deploy lock: a coordination.k8s.io/v1 Lease `eastern-lock-<project>` in the
// target namespace. Taken only when absent, released, or expired; every write is
// conditional on the resourceVersion read, so two deployers cannot both win.
// Renewed every 10 s while the deploy runs; a deploy killed with SIGKILL stops
// renewing and its lease expires 30 s after the last renewal.

import { LockError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, type KubeObject } from '../kube/objects.js';
import { statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';

export const LABEL_LOCK_OF = 'eastern.io/lock-of';

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
  /** 409 when metadata.resourceVersion is stale. */
  replace(lease: Lease): Promise<Lease>;
  /** Conditional on uid + resourceVersion; false when gone or changed. */
  delete(uid: string | undefined, resourceVersion: string | undefined): Promise<boolean>;
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
  private renewing: Promise<void> = Promise.resolve();
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
    const every = (this.options.renewEverySeconds ?? 10) * 1000;
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, every);
    this.timer.unref();
  }

  /** One renewal; public for tests that drive time by hand. */
  async renew(): Promise<void> {
    if (!this.lease || this.controller.signal.aborted) return;
    const now = this.clock.now();
    const spec = this.lease.spec ?? {};
    const next: Lease = { ...this.lease, spec: { ...spec, renewTime: microTime(now) } };
    try {
      this.lease = await this.options.api.replace(next);
      this.lastRenewed = now;
    } catch (error) {
      if (statusOf(error) === 409) {
        const current = await this.options.api.get().catch(() => undefined);
        if (current?.spec?.holderIdentity === this.options.identity) {
          this.lease = current;
          return this.renew();
        }
        return this.lose(`taken over by ${current?.spec?.holderIdentity ?? 'nobody (deleted)'}`);
      }
      if (now - this.lastRenewed >= this.duration * 1000) return this.lose(`could not renew it for ${this.duration} s (${(error as Error).message})`);
      this.options.logger?.warn(`could not renew the deploy lock (${(error as Error).message}); trying again`);
    }
  }

  private lose(why: string) {
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

  /** Releases the lease if we still hold it; never throws. */
  async release(): Promise<void> {
    this.stop();
    await this.renewing.catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (!lease || this.controller.signal.aborted) return;
    try {
      await this.options.api.delete(lease.metadata.uid, lease.metadata.resourceVersion);
    } catch (error) {
      this.options.logger?.warn(`could not release the deploy lock (${(error as Error).message}); it expires in ${this.duration} s`);
    }
  }
}

/** The lease calls over a real cluster. */
export function clusterLeaseApi(client: KubeClient, namespace: string, project: string): LeaseApi {
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: lockName(project) };
  return {
    get: () => client.get<Lease>(ref),
    create: (lease) => client.create(lease),
    replace: (lease) => client.replace(lease),
    delete: async (uid, resourceVersion) => {
      try {
        return await client.delete(ref, { preconditions: { uid, resourceVersion } });
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw error;
      }
    },
  };
}
