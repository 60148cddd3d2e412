// In-process coordination of deploys in one agent: a keyed lock (one deploy per
// project and namespace at a time, before the cluster Lease is even touched) and a
// limit on deploys running at once. Waiters are served in arrival order.

export type Release = () => void;

export class AbortedWait extends Error {}
export class WaitTimeout extends Error {}

/** Races a promise against a timeout and an abort signal. */
function guard<T>(promise: Promise<T>, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<T> {
  if (timeoutMs === undefined && !signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(() => reject(new WaitTimeout())), timeoutMs);
    const onAbort = () => done(() => reject(new AbortedWait()));
    const done = (settle: () => void) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => done(() => resolve(v)), (e) => done(() => reject(e)));
  });
}

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  isHeld(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves with a release function once every earlier holder of `key` released. */
  async acquire(key: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Release> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: Release;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    const releaseOnce: Release = () => {
      release();
      // The last holder leaves no entry behind.
      void tail.then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    };
    try {
      await guard(previous, options.timeoutMs, options.signal);
    } catch (error) {
      // Keep the chain intact: whoever queued behind us waits for `previous` only.
      releaseOnce();
      throw error;
    }
    return releaseOnce;
  }
}

export class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async acquire(signal?: AbortSignal): Promise<Release> {
    if (this.running < this.limit && this.waiting.length === 0) {
      this.running += 1;
      return this.releaser();
    }
    let wake!: () => void;
    const turn = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.push(wake);
    try {
      await guard(turn, undefined, signal);
    } catch (error) {
      const index = this.waiting.indexOf(wake);
      if (index >= 0) this.waiting.splice(index, 1);
      else this.releaser()(); // woken and aborted at once: hand the slot on
      throw error;
    }
    return this.releaser();
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `running` stays the same.
      if (next) next();
      else this.running -= 1;
    };
  }
}
