// Long procedures (deploy, job) as lists of named phases, after Krane's
// deploy_task: each phase is a function; this runner is the one place that logs a
// phase, times it, and checks between phases that the procedure may go on (not
// interrupted, lock still held).
import { EasternError } from '../errors.js';
import type { Logger } from '../output/logger.js';

export interface PhaseGuard {
  /** Throws when the procedure must stop (interrupted, lock lost). */
  check(): void;
}

/** The error an aborted signal carries (SIGINT/SIGTERM, a dropped agent connection). */
export function interruption(signal: AbortSignal | undefined): EasternError | undefined {
  if (!signal?.aborted) return undefined;
  const reason = signal.reason;
  return reason instanceof EasternError ? reason : new EasternError(`deploy interrupted${reason ? ` (${String(reason instanceof Error ? reason.message : reason)})` : ''}`);
}

export class PhaseRunner {
  private readonly guards: PhaseGuard[] = [];

  constructor(private readonly logger: Logger, private readonly signal?: AbortSignal) {}

  /** Adds a check made before and after every later phase (the lock, once taken). */
  guard(guard: PhaseGuard): void {
    this.guards.push(guard);
  }

  /** Throws when the procedure must not go on. */
  check(): void {
    const stop = interruption(this.signal);
    if (stop) throw stop;
    for (const g of this.guards) g.check();
  }

  async run<T>(name: string, phase: () => Promise<T>): Promise<T> {
    this.check();
    const t0 = performance.now();
    this.logger.debug(`phase ${name}`);
    const result = await phase();
    this.logger.debug(`phase ${name} done in ${Math.round(performance.now() - t0)} ms`);
    this.check();
    return result;
  }
}
