// How many requests one connection keeps in flight. An API server says "too many"
// with 429 (API Priority and Fairness, or the max-in-flight filter when APF is off),
// and a fixed number of workers would keep hitting that wall until its retries ran
// out. So the limit adapts, additive increase and multiplicative decrease, as TCP
// does: halve it on a 429 (once per round of requests that were already in flight),
// and after a limit's worth of successes allow one more, up to the pool's size.

export class AdaptiveLimit {
  private current: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private successes = 0;
  /** Requests started after the last decrease; a 429 of an older one says nothing new. */
  private epoch = 0;

  constructor(readonly max: number, readonly min = 1) {
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  /** Waits for a slot; returns the epoch to hand back to throttled(). */
  async acquire(): Promise<number> {
    if (this.inFlight < this.current) {
      this.inFlight++;
      return this.epoch;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.epoch;
  }

  release(): void {
    this.inFlight--;
    this.drain();
  }

  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes < this.current) return;
    this.successes = 0;
    this.current++;
    this.drain();
  }

  /** The server answered 429 to a request that acquired its slot in `epoch`; true when the limit went down. */
  throttled(epoch: number): boolean {
    if (epoch !== this.epoch) return false;
    this.epoch++;
    this.successes = 0;
    const before = this.current;
    this.current = Math.max(this.min, Math.floor(this.current / 2));
    return this.current < before;
  }

  private drain(): void {
    while (this.inFlight < this.current && this.waiting.length > 0) {
      this.inFlight++;
      (this.waiting.shift() as () => void)();
    }
  }
}
