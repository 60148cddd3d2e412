// A local copy of one collection, kept current by the API's watch: list (which
// gives a resourceVersion), then watch from that version; when the stream ends or
// breaks, watch again from the last version seen (bookmarks keep it fresh); when
// the server answers 410 Gone (that version is compacted away), list again.
// Permanent refusals (401, 403, 404) stop it and are kept in `error`.
import { statusOf } from './api-error.js';
import type { ObjectList, Query, WatchEvent, WatchHandle } from './client.js';

/** What a Reflector needs of the cluster; KubeClient provides it, unit tests use an in-memory one. */
export interface CollectionApi {
  listCollection<T>(path: string, query: Query): Promise<ObjectList<T>>;
  /** Calls onDone exactly once, when the stream ends or fails (after abort too). */
  watchCollection(path: string, query: Query, onEvent: (event: WatchEvent) => void, onDone: (error?: unknown) => void): Promise<WatchHandle>;
}

/** The least a watched object has. */
export interface ReflectedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ReflectorOptions<T = ReflectedObject> {
  /** Server-side watch duration before the server closes the stream (it is reopened at once). */
  watchTimeoutSeconds?: number;
  /** Reconnect back-off after an error: starts here, doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about connection trouble (for --verbose). */
  debug?: (message: string) => void;
  /**
   * What to keep of each object (long-running watchers keep only the fields they
   * read, so a thousand pods cost little memory); must keep metadata.name,
   * namespace and resourceVersion.
   */
  keep?: (object: T) => T;
}

export function keyOf(object: ReflectedObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

export class Reflector<T extends ReflectedObject = ReflectedObject> {
  readonly items = new Map<string, T>();
  resourceVersion = '';
  /** True once the first list arrived (or the collection cannot be read at all). */
  synced = false;
  /** Why the collection cannot be read (permission, unknown kind); set once, never cleared. */
  error: string | undefined;
  /** Lists and watch connections made so far; tests use them to see reconnects. */
  readonly stats = { lists: 0, watches: 0, events: 0 };
  /** Bumped on every change; lets readers cache derived arrays. */
  version = 0;

  private stopped = false;
  private handle: { abort(): void } | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private cached: { version: number; values: T[] } | undefined;

  constructor(
    private readonly transport: CollectionApi,
    readonly path: string,
    private readonly query: Query,
    private readonly onChange: () => void,
    private readonly options: ReflectorOptions<T> = {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.handle?.abort();
    this.wake?.();
    await this.loop;
  }

  values(): T[] {
    if (this.cached?.version !== this.version) this.cached = { version: this.version, values: [...this.items.values()] };
    return this.cached.values;
  }

  private kept(object: T): T {
    return this.options.keep ? this.options.keep(object) : object;
  }

  private changed(): void {
    this.version += 1;
    this.onChange();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  private async run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 5_000;
    let backoff = initial;
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        try {
          this.stats.lists += 1;
          const list = await this.transport.listCollection<T>(this.path, this.query);
          if (this.stopped) return;
          this.items.clear();
          for (const item of list.items) this.items.set(keyOf(item), this.kept(item));
          this.resourceVersion = list.resourceVersion;
          needList = false;
          this.synced = true;
          backoff = initial;
          this.changed();
        } catch (error) {
          if (this.stopped) return;
          const status = statusOf(error);
          if (status === 401 || status === 403 || status === 404) {
            this.error = (error as Error).message;
            this.synced = true;
            this.changed();
            return;
          }
          this.options.debug?.(`list ${this.path} failed (${(error as Error).message}); retrying in ${backoff} ms`);
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, max);
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (this.stopped) return;
      const refused = statusOf(outcome.error);
      if (refused === 401 || refused === 403 || refused === 404) {
        // Allowed to list but not to watch: there is no watching this collection.
        this.error = `cannot watch ${this.path}: ${(outcome.error as Error).message}`;
        this.changed();
        return;
      }
      if (outcome.gone) {
        this.options.debug?.(`watch ${this.path}: resourceVersion ${this.resourceVersion} is gone; listing again`);
        needList = true;
        // Gone right after a fresh list: the server is unsettled; do not hammer it.
        if (outcome.quick) {
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, max);
        }
      } else if (outcome.error !== undefined) {
        this.options.debug?.(`watch ${this.path} broke (${(outcome.error as Error)?.message ?? outcome.error}); reconnecting from resourceVersion ${this.resourceVersion} in ${backoff} ms`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, max);
      } else if (outcome.quick) {
        // Ended at once without a word: do not spin.
        this.options.debug?.(`watch ${this.path} ended at once; reopening from resourceVersion ${this.resourceVersion} in ${backoff} ms`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, max);
      } else {
        // A clean end (server-side timeout, or a connection closed politely): reopen at once.
        this.options.debug?.(`watch ${this.path} ended; reopening from resourceVersion ${this.resourceVersion}`);
        backoff = initial;
      }
    }
  }

  private watchOnce(): Promise<{ gone: boolean; error?: unknown; quick?: boolean }> {
    return new Promise((resolve) => {
      let gone = false;
      let sawEvent = false;
      let settled = false;
      const started = Date.now();
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.handle = undefined;
        if (statusOf(error) === 410) gone = true;
        if (gone) resolve({ gone, quick: !sawEvent });
        else if (error !== undefined && error !== null) resolve({ gone, error });
        else resolve({ gone, quick: !sawEvent && Date.now() - started < 1_000 });
      };
      const onEvent = (event: WatchEvent) => {
        if (settled) return;
        this.stats.events += 1;
        const object = event.object as WatchEvent['object'] & T;
        const rv = object?.metadata?.resourceVersion;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            this.items.set(keyOf(object), this.kept(object));
            if (rv) this.resourceVersion = rv;
            sawEvent = true;
            this.changed();
            break;
          case 'DELETED':
            this.items.delete(keyOf(object));
            if (rv) this.resourceVersion = rv;
            sawEvent = true;
            this.changed();
            break;
          case 'BOOKMARK':
            if (rv) this.resourceVersion = rv;
            break;
          case 'ERROR':
            if (object?.code === 410 || object?.reason === 'Expired' || object?.reason === 'Gone') gone = true;
            else finish(new Error(object?.message ?? 'watch error'));
            this.handle?.abort();
            break;
          default:
            break;
        }
      };
      this.stats.watches += 1;
      const query: Query = {
        ...this.query,
        resourceVersion: this.resourceVersion || undefined,
        allowWatchBookmarks: true,
        timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
      };
      this.transport.watchCollection(this.path, query, onEvent, finish).then(
        (handle) => {
          if (settled) return;
          this.handle = handle;
          if (this.stopped) handle.abort();
        },
        (error: unknown) => finish(error),
      );
    });
  }
}
