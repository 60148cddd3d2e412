import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../src/kube/api-error.js';
import { DeployLock, assessLease, microTime, type Clock, type Lease, type LeaseApi } from '../../src/deploy/lock.js';
import { LockError } from '../../src/errors.js';

/** One Lease with resourceVersion semantics, like the API server's optimistic concurrency. */
class MemoryLease implements LeaseApi {
  lease: Lease | undefined;
  rv = 0;
  writes = 0;
  async get() {
    return this.lease && structuredClone(this.lease);
  }
  async create(lease: Lease) {
    if (this.lease) throw new ApiError(409, { message: 'already exists' });
    this.writes++;
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv), uid: 'uid-1' } };
    return structuredClone(this.lease);
  }
  async replace(lease: Lease) {
    if (!this.lease || lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) throw new ApiError(409, { message: 'conflict' });
    this.writes++;
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
  async delete(uid: string | undefined, rv: string | undefined) {
    if (!this.lease || this.lease.metadata.uid !== uid || this.lease.metadata.resourceVersion !== rv) return false;
    this.lease = undefined;
    return true;
  }
}

const holderOf = (api: MemoryLease) => api.lease?.spec?.holderIdentity;

function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')): Clock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, scoped() { return silent; } };

function lock(api: LeaseApi, identity: string, clock: Clock, logger = silent) {
  return new DeployLock({ api, namespace: 'app', project: 'web', identity, clock, logger, renewEverySeconds: 3600 });
}

const leaseHeldBy = (holder: string, renewMs: number, duration = 30): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'eastern-lock-web', namespace: 'app', resourceVersion: '1' },
  spec: { holderIdentity: holder, leaseDurationSeconds: duration, renewTime: microTime(renewMs) },
});

test('MicroTime has six fractional digits', () => {
  assert.is(microTime(Date.parse('2025-01-01T00:00:00.123Z')), '2025-01-01T00:00:00.123000Z');
});

test('a lease renewed recently is held; one past its duration is expired', () => {
  const now = Date.parse('2025-01-01T00:01:00Z');
  const s1 = assessLease(leaseHeldBy('other', now - 10_000), 'me', now);
  assert.is(s1.state, 'held');
  if (s1.state === 'held') assert.is(s1.expiresInMs, 20_000);
  assert.is(assessLease(leaseHeldBy('other', now - 31_000), 'me', now).state, 'expired');
  assert.is(assessLease(leaseHeldBy('me', now - 999_000), 'me', now).state, 'mine');
  assert.is(assessLease(undefined, 'me', now).state, 'absent');
});

test('a lease whose holder clock runs ahead expires after we watched it unchanged for its duration', () => {
  const now = Date.parse('2025-01-01T00:01:00Z');
  const future = leaseHeldBy('other', now + 3_600_000);
  assert.is(assessLease(future, 'me', now, now - 5_000).state, 'held');
  assert.is(assessLease(future, 'me', now, now - 31_000).state, 'expired');
});

test('acquires a free lock at once and releases it', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const l = lock(api, 'me', clock);
  await l.acquire(10);
  assert.is(api.lease?.spec?.holderIdentity, 'me');
  assert.is(api.lease?.spec?.leaseDurationSeconds, 30);
  await l.release();
  assert.ok(api.lease, 'the Lease stays (it keeps the revision counter)');
  assert.is(api.lease?.spec?.holderIdentity, undefined, 'nobody holds it');
  // A free lease is taken at once by the next deployer.
  const next = lock(api, 'next', clock);
  await next.acquire(0);
  assert.is(holderOf(api), 'next');
});

test('the revision counter on the lease survives a release and a takeover', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const first = lock(api, 'first', clock);
  await first.acquire(1);
  assert.is(first.lastRevision, 0);
  await first.noteRevision(7);
  await first.release();
  const second = lock(api, 'second', clock);
  await second.acquire(1);
  assert.is(second.lastRevision, 7);
});

test('a lock not renewed for a while (the process was stopped) is proven before a write, and the write stops if it was taken', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const l = new DeployLock({ api, namespace: 'app', project: 'web', identity: 'me', clock, logger: silent, renewEverySeconds: 10 });
  await l.acquire(1);
  const writes = api.writes;
  await l.ensureHeld();
  assert.is(api.writes, writes, 'fresh proof: no extra request');
  clock.t += 16_000;
  await l.ensureHeld();
  assert.is(api.writes, writes + 1, 'stale proof: renewed before writing');
  // Stopped for longer than the lease: someone else took it meanwhile.
  clock.t += 40_000;
  await lock(api, 'thief', clock).acquire(1);
  try {
    await l.ensureHeld();
    assert.unreachable('a stolen lock must not let a write through');
  } catch (error) {
    assert.match(String((error as Error).message), /lost the deploy lock of project web: taken over by thief/);
  }
  assert.ok(l.signal.aborted);
  assert.is(holderOf(api), 'thief');
  assert.throws(() => l.check(), /lost the deploy lock/);
});

test('a second deployer waits while the first renews, then gives up naming the holder', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const first = lock(api, 'build-1', clock);
  await first.acquire(10);
  const lines: string[] = [];
  const logger = { ...silent, info: (m: string) => void lines.push(m) };
  // The first deploy keeps renewing: renew each time the waiter sleeps.
  const waitingClock: Clock = { now: clock.now, sleep: async (ms) => { await clock.sleep(ms); await first.renew(); } };
  const second = new DeployLock({ api, namespace: 'app', project: 'web', identity: 'build-2', clock: waitingClock, logger, renewEverySeconds: 3600 });
  try {
    await second.acquire(25);
    assert.unreachable('should not get the lock');
  } catch (e) {
    assert.ok(e instanceof LockError, String(e));
    assert.match((e as LockError).message, /being deployed by build-1/);
    assert.match((e as LockError).fix ?? '', /--lock-timeout/);
  }
  assert.ok(lines.some((l) => l.includes('held by build-1')), 'heartbeat names the holder');
  assert.ok(lines.length >= 2 && lines.length <= 4, `heartbeat about every 10 s, got ${lines.length} lines`);
  assert.is(api.lease?.spec?.holderIdentity, 'build-1');
});

test('a lock abandoned by a killed deploy is taken over after it expires', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const dead = lock(api, 'killed', clock);
  await dead.acquire(10);
  // No renewals from now on (the process is gone).
  const next = lock(api, 'next', clock);
  const t0 = clock.now();
  await next.acquire(120);
  assert.is(api.lease?.spec?.holderIdentity, 'next');
  const waited = clock.now() - t0;
  assert.ok(waited >= 30_000 && waited <= 32_000, `took it over after the 30 s duration, waited ${waited} ms`);
  assert.is(api.lease?.spec?.leaseTransitions, 1);
});

test('two deployers racing for a free lock: exactly one wins', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const a = lock(api, 'a', clock);
  const b = lock(api, 'b', clock);
  const results = await Promise.allSettled([a.acquire(1), b.acquire(1)]);
  const winners = results.filter((r) => r.status === 'fulfilled').length;
  assert.is(winners, 1);
  assert.ok(['a', 'b'].includes(api.lease!.spec!.holderIdentity!));
});

test('renewal moves renewTime forward; losing the lease aborts the signal', async () => {
  const api = new MemoryLease();
  const clock = fakeClock();
  const l = lock(api, 'me', clock);
  await l.acquire(1);
  const before = api.lease!.spec!.renewTime!;
  clock.t += 10_000;
  await l.renew();
  assert.ok(Date.parse(api.lease!.spec!.renewTime!) - Date.parse(before) === 10_000);
  // Someone deletes the lease and another deployer takes it.
  api.lease = undefined;
  await lock(api, 'thief', clock).acquire(1);
  await l.renew();
  assert.ok(l.signal.aborted);
  assert.throws(() => l.check(), /lost the deploy lock/);
  // Releasing after loss must not delete the thief's lease.
  await l.release();
  assert.is(holderOf(api), 'thief');
});

test.run();
