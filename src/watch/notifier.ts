// Delivering notices to chat and webhook sinks. The watchman calls notify() from its
// watch loop, so notify() never throws and never waits for the network: each sink
// has its own bounded queue and one worker that posts in order, retries transient
// failures with backoff, and gives up with one log line. A dead or hanging sink
// therefore delays nobody else. A storm cap keeps a flapping cluster from flooding
// a channel: beyond `perMinute` messages in a rolling window, notices are held and
// sent as one summary when the window frees up.
//
// Sink URLs carry secrets (Slack's path is the token), so no log line ever contains
// a URL or a raw error message (fetch errors quote the URL); sinks are named by
// their configured `name`, errors by a code ("ECONNREFUSED", "TimeoutError", "HTTP 503").
import { formatDuration, slackMessage, summaryMessage, webhookPayload, webhookSummaryPayload } from './sinks.js';
import type { Notice } from './types.js';

export interface SinkTarget {
  kind: 'slack' | 'webhook';
  /** Names the sink in log lines ("slack", "route[1].webhook"); the URL never appears. */
  name: string;
  url: string;
}

export interface Route {
  /** Namespaces this route is for; "team-*" is a prefix wildcard. */
  namespaces?: readonly string[];
  /** Eastern projects this route is for (the project of the release that manages the workload). */
  projects?: readonly string[];
  sinks: readonly SinkTarget[];
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export interface NotifierOptions {
  /** First matching route wins; a route with neither namespaces nor projects matches everything (put it last). */
  routes: readonly Route[];
  /** At most perMinute messages per window (default 60 s) across the whole notifier. */
  stormCap?: { perMinute: number; windowMs?: number };
  /** Pending messages per sink; when full, the oldest pending one is dropped. */
  queueSize?: number;
  retry?: RetryOptions;
  /** Per HTTP attempt. */
  timeoutMs?: number;
  log: (line: string) => void;
  /** Milliseconds; the storm cap's clock (tests inject one). */
  now?: () => number;
  fetch?: typeof fetch;
}

export interface NotifierStats {
  /** Messages delivered (one per sink). */
  sent: number;
  /** Messages given up on: retries exhausted or rejected with a 4xx. */
  failed: number;
  /** Messages never attempted to the end: queue overflow, or still pending at close(). */
  dropped: number;
  /** Attempts repeated after a transient failure. */
  retried: number;
  /** Notices held by the storm cap and sent inside a summary. */
  summarized: number;
}

export const NOTIFIER_DEFAULTS = {
  perMinute: 10,
  windowMs: 60_000,
  queueSize: 200,
  retry: { attempts: 6, initialMs: 1_000, maxMs: 60_000 } as RetryOptions,
  timeoutMs: 10_000,
  flushMs: 10_000,
} as const;

/** Bounds on the storm cap's memory during a very long storm. */
const MAX_HELD = 1_000;
const MAX_HELD_IDS = 1_000;

function namespaceMatches(pattern: string, namespace: string): boolean {
  return pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : namespace === pattern;
}

/**
 * Whether a route takes a notice: its namespace matches one of the route's
 * namespaces OR its project is one of the route's projects (a team owns both its
 * namespaces and its projects; unmanaged workloads have no project). A route with
 * neither list takes everything; an empty list matches nothing.
 */
export function routeMatches(route: Route, notice: Notice): boolean {
  if (route.namespaces === undefined && route.projects === undefined) return true;
  const project = notice.incident.release?.project;
  const byNamespace = route.namespaces?.some((p) => namespaceMatches(p, notice.incident.namespace)) ?? false;
  return byNamespace || (project !== undefined && (route.projects?.includes(project) ?? false));
}

export function routeFor(routes: readonly Route[], notice: Notice): Route | undefined {
  return routes.find((r) => routeMatches(r, notice));
}

/**
 * A name for an error that is safe to log: a system error code, an error name, or
 * "network error". Never the message, which for fetch can quote the URL.
 */
export function errorLabel(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } } | undefined;
  for (const code of [e?.cause?.code, e?.code]) {
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  }
  return typeof e?.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'network error';
}

/** Retry-After in milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** Exponential backoff with ±20% jitter, so sinks failing together do not retry in lockstep. */
export function backoffMs(attempt: number, retry: RetryOptions, random = Math.random): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** (attempt - 1));
  return Math.round(Math.min(retry.maxMs, base * (0.8 + 0.4 * random())));
}

function waitText(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`;
}

type Outcome = { ok: true } | { ok: false; label: string; retry: boolean; waitMs?: number };

/** What the sink workers share with the notifier. */
interface Shared {
  readonly stats: NotifierStats;
  readonly log: (line: string) => void;
  readonly fetch: typeof fetch;
  readonly retry: RetryOptions;
  readonly timeoutMs: number;
  readonly queueSize: number;
  /** Aborted by close(): in-flight requests and retry waits end at once. */
  readonly closing: AbortSignal;
  sleep(ms: number): Promise<void>;
}

/** One sink's bounded queue and its single worker. */
class SinkQueue {
  private pending: string[] = [];
  private worker: Promise<void> | undefined;
  private dropLogged = false;

  constructor(
    readonly target: SinkTarget,
    private readonly shared: Shared,
  ) {}

  get size(): number {
    return this.pending.length + (this.worker ? 1 : 0);
  }

  push(body: unknown): void {
    if (this.pending.length >= this.shared.queueSize) {
      this.pending.shift();
      this.shared.stats.dropped++;
      // One line per backlog, not one per dropped message.
      if (!this.dropLogged) this.shared.log(`notify: ${this.target.name}: queue full (${this.shared.queueSize} pending), dropping the oldest messages`);
      this.dropLogged = true;
    }
    this.pending.push(JSON.stringify(body));
    this.worker ??= this.run();
  }

  /** Resolves when the worker has nothing left to do; undefined when it is idle already. */
  idle(): Promise<void> | undefined {
    return this.worker;
  }

  /** Forgets pending messages (close()); returns how many. */
  clear(): number {
    const n = this.pending.length;
    this.pending = [];
    return n;
  }

  private async run(): Promise<void> {
    try {
      for (let body = this.pending.shift(); body !== undefined; body = this.pending.shift()) {
        if (this.shared.closing.aborted) break;
        await this.deliver(body);
      }
    } finally {
      this.worker = undefined;
      this.dropLogged = false;
    }
  }

  private async deliver(body: string): Promise<void> {
    const { stats, retry, log } = this.shared;
    const name = this.target.name;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body);
      if (outcome.ok) return void stats.sent++;
      if (this.shared.closing.aborted) return void stats.dropped++;
      if (!outcome.retry) {
        stats.failed++;
        return log(`notify: ${name}: delivery rejected (${outcome.label}), not retrying; message dropped`);
      }
      if (attempt >= retry.attempts) {
        stats.failed++;
        return log(`notify: ${name}: delivery failed (${outcome.label}) after ${attempt} attempts; message dropped`);
      }
      const wait = Math.min(retry.maxMs, outcome.waitMs ?? backoffMs(attempt, retry));
      stats.retried++;
      log(`notify: ${name}: delivery failed (${outcome.label}), retrying in ${waitText(wait)} (attempt ${attempt + 1} of ${retry.attempts})`);
      await this.shared.sleep(wait);
      if (this.shared.closing.aborted) return void stats.dropped++;
    }
  }

  /** One POST. The timeout is our own timer (not AbortSignal.timeout) so close() leaves none behind. */
  private async attempt(body: string): Promise<Outcome> {
    const controller = new AbortController();
    const onClose = () => controller.abort(this.shared.closing.reason);
    this.shared.closing.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException('the sink did not answer in time', 'TimeoutError')), this.shared.timeoutMs);
    timer.unref();
    try {
      const res = await this.shared.fetch(this.target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: controller.signal,
      });
      // Read the body so the connection can be reused; its content is not logged (it may echo the URL).
      await res.arrayBuffer().catch(() => undefined);
      return classify(res);
    } catch (error) {
      return { ok: false, label: errorLabel(error), retry: true };
    } finally {
      clearTimeout(timer);
      this.shared.closing.removeEventListener('abort', onClose);
    }
  }
}

/** 2xx delivered; 429 and 5xx are worth another try; any other status will not change. */
function classify(res: Response): Outcome {
  if (res.ok) return { ok: true };
  const label = `HTTP ${res.status}`;
  if (res.status === 429) return { ok: false, label, retry: true, waitMs: retryAfterMs(res.headers.get('retry-after')) };
  return { ok: false, label, retry: res.status >= 500 };
}

function sinkKey(target: SinkTarget): string {
  return `${target.kind} ${target.url}`;
}

function checkTarget(target: SinkTarget): void {
  if (target.kind !== 'slack' && target.kind !== 'webhook') throw new Error(`notify: ${target.name}: unknown sink kind ${JSON.stringify(target.kind)}`);
  let protocol = '';
  try {
    protocol = new URL(target.url).protocol;
  } catch {
    // The message would quote the URL: say only which sink is wrong.
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`notify: ${target.name}: the URL is not a valid http(s) URL`);
}

interface Held {
  notice: Notice;
  sinks: readonly SinkTarget[];
}

export class Notifier {
  readonly stats: NotifierStats = { sent: 0, failed: 0, dropped: 0, retried: 0, summarized: 0 };
  private readonly routes: readonly Route[];
  private readonly queues = new Map<string, SinkQueue>();
  private readonly perMinute: number;
  private readonly windowMs: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly closing = new AbortController();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  /** When each message counted by the storm cap was accepted, oldest first. */
  private readonly stamps: number[] = [];
  private held: Held[] = [];
  /** Incidents whose `opened` was held: their `resolved` goes into a summary too. */
  private readonly heldIds = new Set<string>();
  private stormTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: NotifierOptions) {
    this.routes = options.routes;
    this.perMinute = Math.max(1, options.stormCap?.perMinute ?? NOTIFIER_DEFAULTS.perMinute);
    this.windowMs = options.stormCap?.windowMs ?? NOTIFIER_DEFAULTS.windowMs;
    // A throwing log function must not break notify() or kill a worker.
    this.log = (line) => {
      try {
        options.log(line);
      } catch {
        // nothing sensible to do
      }
    };
    this.now = options.now ?? Date.now;
    const shared: Shared = {
      stats: this.stats,
      log: this.log,
      fetch: options.fetch ?? fetch,
      retry: options.retry ?? NOTIFIER_DEFAULTS.retry,
      timeoutMs: options.timeoutMs ?? NOTIFIER_DEFAULTS.timeoutMs,
      queueSize: Math.max(1, options.queueSize ?? NOTIFIER_DEFAULTS.queueSize),
      closing: this.closing.signal,
      sleep: (ms) => this.sleep(ms),
    };
    // One queue per endpoint, even when several routes name it.
    for (const target of this.routes.flatMap((r) => r.sinks)) {
      checkTarget(target);
      if (!this.queues.has(sinkKey(target))) this.queues.set(sinkKey(target), new SinkQueue(target, shared));
    }
  }

  /** Routes a notice and queues it for delivery; returns at once and never throws. */
  notify(notice: Notice): void {
    try {
      this.accept(notice);
    } catch (error) {
      this.log(`notify: internal error (${errorLabel(error)}); notice not sent`);
    }
  }

  /**
   * Waits until every queue is empty (or timeoutMs passes). Meant for shutdown, so
   * notices held by the storm cap are sent as a summary at once, not at the end of
   * the window. The wait's timer is not unref'd: an awaited flush keeps the process up.
   */
  async flush(timeoutMs: number = NOTIFIER_DEFAULTS.flushMs): Promise<void> {
    if (this.closed) return;
    if (this.held.length > 0) this.sendSummary(this.now());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    try {
      for (let busy = this.busy(); busy.length > 0; busy = this.busy()) {
        if (await Promise.race([Promise.all(busy).then(() => false), timedOut])) {
          const pending = [...this.queues.values()].reduce((n, q) => n + q.size, 0);
          return this.log(`notify: flush gave up after ${waitText(timeoutMs)}; ${pending} messages still pending`);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops at once: aborts requests in flight and retry waits, drops what is pending, clears every timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.stormTimer);
    this.stormTimer = undefined;
    const held = this.held.length;
    this.held = [];
    this.closing.abort(new DOMException('the notifier was closed', 'AbortError'));
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.done();
    }
    this.sleeps.clear();
    const pending = [...this.queues.values()].reduce((n, q) => n + q.clear(), 0);
    this.stats.dropped += held + pending;
    if (held + pending > 0) this.log(`notify: closed with ${held} held notices and ${pending} pending messages not sent`);
    await Promise.all(this.busy());
  }

  private busy(): Promise<void>[] {
    return [...this.queues.values()].flatMap((q) => q.idle() ?? []);
  }

  private accept(notice: Notice): void {
    if (this.closed) return;
    const route = routeFor(this.routes, notice);
    if (!route) {
      // Once per incident: reminders and the resolution would only repeat it.
      if (notice.event === 'opened') this.log(`notify: no route for ${notice.incident.id}; not sent`);
      return;
    }
    // A route without sinks is deliberate silence (log-only): it takes no place in the storm cap.
    if (route.sinks.length === 0) return;
    const t = this.now();
    this.prune(t);
    // The reader saw the opening only in a summary; the resolution belongs there too.
    if (notice.event === 'resolved' && this.heldIds.delete(notice.incident.id)) return this.hold(notice, route.sinks, t);
    if (this.held.length > 0 && this.hasRoom()) this.sendSummary(t);
    if (this.held.length > 0 || !this.hasRoom()) return this.hold(notice, route.sinks, t);
    this.stamps.push(t);
    for (const target of route.sinks) this.queueFor(target).push(target.kind === 'slack' ? slackMessage(notice) : webhookPayload(notice));
  }

  private queueFor(target: SinkTarget): SinkQueue {
    const queue = this.queues.get(sinkKey(target));
    if (!queue) throw new Error('a sink that was not configured'); // routes are read once, in the constructor
    return queue;
  }

  private hasRoom(): boolean {
    return this.stamps.length < this.perMinute;
  }

  /** Forgets messages that left the rolling window. */
  private prune(t: number): void {
    while (this.stamps.length > 0 && (this.stamps[0] as number) + this.windowMs <= t) this.stamps.shift();
  }

  private hold(notice: Notice, sinks: readonly SinkTarget[], t: number): void {
    if (this.held.length === 0 && !this.hasRoom()) {
      this.log(`notify: storm cap reached (${this.perMinute} messages in ${formatDuration(this.windowMs)}); holding further notices for one summary`);
    }
    if (this.held.length >= MAX_HELD) {
      this.held.shift();
      this.stats.dropped++;
    }
    this.held.push({ notice, sinks });
    if (notice.event === 'opened') this.rememberHeld(notice.incident.id);
    this.schedule(t);
  }

  private rememberHeld(id: string): void {
    this.heldIds.delete(id);
    this.heldIds.add(id);
    const oldest = this.heldIds.values().next();
    if (this.heldIds.size > MAX_HELD_IDS && !oldest.done) this.heldIds.delete(oldest.value);
  }

  /** Arms one timer for the moment the window has room again. */
  private schedule(t: number): void {
    if (this.stormTimer || this.closed) return;
    const oldestCounted = this.stamps[this.stamps.length - this.perMinute];
    const delay = oldestCounted === undefined ? 0 : Math.max(1, oldestCounted + this.windowMs - t);
    this.stormTimer = setTimeout(() => this.onWindow(), delay);
    this.stormTimer.unref();
  }

  private onWindow(): void {
    this.stormTimer = undefined;
    if (this.closed || this.held.length === 0) return;
    try {
      const t = this.now();
      this.prune(t);
      if (this.hasRoom()) this.sendSummary(t);
      else this.schedule(t);
    } catch (error) {
      // A timer callback that throws would take the whole agent down.
      this.log(`notify: internal error (${errorLabel(error)}); summary not sent`);
    }
  }

  /** One summary per sink that had held notices; together they count as one message. */
  private sendSummary(t: number): void {
    clearTimeout(this.stormTimer);
    this.stormTimer = undefined;
    const held = this.held;
    this.held = [];
    this.stamps.push(t);
    this.stats.summarized += held.length;
    const bySink = new Map<string, { target: SinkTarget; notices: Notice[] }>();
    for (const { notice, sinks } of held) {
      for (const target of sinks) {
        const entry = bySink.get(sinkKey(target)) ?? { target, notices: [] };
        entry.notices.push(notice);
        bySink.set(sinkKey(target), entry);
      }
    }
    const at = new Date().toISOString();
    for (const { target, notices } of bySink.values()) {
      this.queueFor(target).push(target.kind === 'slack' ? summaryMessage(notices, this.windowMs / 1000) : webhookSummaryPayload(notices, at));
    }
    this.log(`notify: storm cap: ${held.length} held notices sent as one summary`);
  }

  /** A retry wait that close() can cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const entry = { timer: setTimeout(() => finish(), ms), done: () => resolve() };
      const finish = () => {
        this.sleeps.delete(entry);
        resolve();
      };
      entry.timer.unref();
      this.sleeps.add(entry);
    });
  }
}
