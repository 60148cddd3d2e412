// `eastern job FILE NAMESPACE TAG` (Python eastern compatible): render with
// IMAGE_TAG=TAG, rename every Job to <name>-<tag>, apply the manifest, stream the
// Job's log while it runs, wait for it (exit 0 / 2 timeout / 3 failed), and delete
// the Job afterwards in every case, Ctrl-C included.
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { EasternError, RolloutFailedError, RolloutTimeoutError, UsageError, ValidationError } from '../errors.js';
import { createLogger, processIo, type Io, type Logger } from '../output/logger.js';
import type { RolloutApi } from '../rollout/api.js';
import type { Pod } from '../rollout/objects.js';
import type { Reflector } from '../rollout/reflector.js';
import { displayPath, formatLocation, parseManifest, render, templateVariables } from '../template/index.js';
import type { ManifestDocument } from '../template/types.js';
import type { ManifestInput } from '../kube/deploy.js';
import { builtinVariables } from './generate.js';

export interface JobCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  file: string;
  namespace: string;
  tag: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
  /** Seconds; 0 = none (default 300). */
  timeout?: number;
  name?: string;
  edit?: boolean;
  /** Injected by tests; defaults to process.stdin.isTTY (--edit needs a terminal). */
  stdinIsTTY?: boolean;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  /** Stops the job as Ctrl-C would (tests); when absent, SIGINT/SIGTERM are handled. */
  signal?: AbortSignal;
}

const MAX_NAME = 63;

/**
 * `<name>-<tag>`, lower-cased, every character a DNS label cannot hold (dots and
 * underscores included: the name becomes part of pod names and hostnames) replaced
 * by '-', cut to 63 characters (the limit of the job-name label its pods get), with
 * no trailing '-', so that it stays a valid name.
 */
export function jobName(name: string, tag: string): string {
  const joined = `${name}-${tag}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return joined.slice(0, MAX_NAME).replace(/-+$/, '');
}

function isJob(value: unknown): value is { apiVersion: string; kind: 'Job'; metadata: { name: string } } {
  const v = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
  return typeof v === 'object' && v !== null && v.kind === 'Job' && typeof v.apiVersion === 'string' && v.apiVersion.startsWith('batch/') &&
    typeof v.metadata?.name === 'string';
}

/** Renames every Job of the manifest; returns the new documents and the Jobs' new names. */
export function renameJobs(documents: readonly ManifestDocument[], tag: string): { documents: ManifestDocument[]; jobs: string[] } {
  const jobs: string[] = [];
  const renamed = documents.map((doc) => {
    if (!isJob(doc.value)) return doc;
    const value = structuredClone(doc.value);
    value.metadata.name = jobName(value.metadata.name, tag);
    jobs.push(value.metadata.name);
    return { ...doc, value };
  });
  return { documents: renamed, jobs };
}

function lenientProject(file: string, cwd: string, name: string | undefined, projectName: (o: { name?: string; file: string; cwd: string }) => string): string {
  try {
    return projectName({ file, cwd, ...(name !== undefined && { name }) });
  } catch (error) {
    // A job is not a release: a directory name that is no valid project name only needs tidying.
    if (name !== undefined) throw error;
    const dir = resolve(cwd, file).split(/[\\/]/).slice(-2, -1)[0] ?? 'job';
    return dir.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'job';
  }
}

/** SIGINT/SIGTERM stop the job (it is still deleted); a second signal exits at once. */
function interruptSignal(logger: Logger): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    logger.warn(`${sig} received: stopping and deleting the job (send again to exit at once)`);
    controller.abort(new EasternError(`job interrupted by ${sig}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: controller.signal, dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); } };
}

/** Follows the logs of a Job's pods as their containers start, writing them to stdout. */
class LogFollower {
  private readonly started = new Set<string>();
  private readonly running = new Map<string, { done: Promise<void>; abort: () => void; finished: boolean }>();
  private lastData = Date.now();
  private readonly podsSeen: string[] = [];

  constructor(
    private readonly k8s: typeof import('@kubernetes/client-node'),
    private readonly kc: import('@kubernetes/client-node').KubeConfig,
    private readonly namespace: string,
    private readonly out: Io['stdout'],
    private readonly logger: Logger,
    private readonly multiContainer: boolean,
  ) {}

  /** Starts following every container of `pods` that has started and is not followed yet. */
  update(pods: readonly Pod[]): void {
    for (const pod of pods) {
      const name = pod.metadata?.name;
      const uid = pod.metadata?.uid;
      if (!name || !uid) continue;
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const c of statuses) {
        if (!c.state?.running && !c.state?.terminated) continue;
        const key = `${uid}/${c.name}/${c.restartCount ?? 0}`;
        if (this.started.has(key)) continue;
        this.started.add(key);
        if (!this.podsSeen.includes(uid)) {
          this.podsSeen.push(uid);
          if (this.podsSeen.length > 1) this.logger.info(`attempt ${this.podsSeen.length}: pod ${name}`);
        }
        if ((c.restartCount ?? 0) > 0) this.logger.info(`pod ${name} container ${c.name} restarted (${c.restartCount})`);
        this.follow(key, name, c.name);
      }
    }
  }

  private follow(key: string, pod: string, container: string): void {
    const prefix = this.multiContainer ? `[${container}] ` : '';
    let pending = '';
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => { resolveDone = r; });
    const out = this.out;
    const sink = new Writable({
      write: (chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) => {
        this.lastData = Date.now();
        const text = pending + chunk.toString('utf8');
        const lines = text.split('\n');
        pending = lines.pop() ?? '';
        if (lines.length > 0) out.write(lines.map((l) => `${prefix}${l}\n`).join(''));
        cb();
      },
      final: (cb: (e?: Error | null) => void) => {
        if (pending) out.write(`${prefix}${pending}\n`);
        pending = '';
        cb();
      },
    });
    let controller: AbortController | undefined;
    let stopped = false;
    const entry = { done, finished: false, abort: () => { stopped = true; controller?.abort(); sink.destroy(); resolveDone(); } };
    const end = () => { entry.finished = true; resolveDone(); };
    sink.on('finish', end);
    sink.on('close', end);
    sink.on('error', end);
    this.running.set(key, entry);
    new this.k8s.Log(this.kc).log(this.namespace, pod, container, sink, { follow: true }).then(
      // The controller comes only with the response headers: a stop before that aborts it here,
      // else the open stream would keep the process alive.
      (c) => { controller = c; if (stopped) c.abort(); },
      (error: unknown) => {
        this.logger.warn(`cannot read the log of pod ${pod} container ${container}: ${(error as { body?: string; message?: string }).body ?? (error as Error).message}`);
        resolveDone();
      },
    );
  }

  /**
   * Once the Job has finished: waits for the followed streams to end, or to stay
   * quiet for `quietMs` (some nodes keep a finished container's stream open), at
   * most `maxMs`; then cuts them.
   */
  async drain(maxMs: number, quietMs = 1_000): Promise<void> {
    const end = Date.now() + maxMs;
    for (;;) {
      const open = [...this.running.values()].filter((r) => !r.finished);
      if (open.length === 0 || Date.now() >= end || Date.now() - this.lastData >= quietMs) break;
      await Promise.race([Promise.all(open.map((r) => r.done)), new Promise((r) => setTimeout(r, 100))]);
    }
    this.stop();
  }

  stop(): void {
    for (const r of this.running.values()) r.abort();
    this.running.clear();
  }
}

export async function run(options: JobCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  if (!options.tag) throw new UsageError('missing TAG', { fix: 'eastern job FILE NAMESPACE TAG' });
  const early = createLogger({ out: io.stderr, verbose: options.verbose ?? false, env });

  // Python eastern sets IMAGE_TAG after the -s values, so the tag wins.
  const variables = { ...templateVariables(options.set ?? [], options.namespace, builtinVariables(env)), IMAGE_TAG: options.tag };
  const rendered = render({
    file: options.file,
    variables,
    cwd: options.cwd,
    ...(options.root !== undefined && { root: options.root }),
    allowUndefined: options.allowUndefined ?? false,
    onWarning: (m) => early.warn(m),
  });
  let manifest: ManifestInput = { text: rendered.text, documents: parseManifest(rendered, options.cwd), format: (loc) => formatLocation(loc, options.cwd) };
  if (options.edit) {
    const { editManifest } = await import('./deploy.js');
    manifest = await editManifest(manifest, { cwd: options.cwd, ...(options.stdinIsTTY !== undefined && { stdinIsTTY: options.stdinIsTTY }) }, env);
  }
  const { documents, jobs } = renameJobs(manifest.documents, options.tag);
  const where = displayPath(resolve(options.cwd, options.file), options.cwd);
  if (jobs.length === 0) {
    throw new ValidationError(`${where} contains no Job (kind: Job, apiVersion: batch/v1)`, { fix: 'eastern job runs the Job of a template; use eastern deploy for other objects' });
  }
  manifest = { ...manifest, documents };

  const [{ openSession, clusterError }, deployMod, { applyTiers }, { projectName }, rolloutMod, { createRolloutApi }, { Reflector: ReflectorClass }, k8s] = await Promise.all([
    import('../kube/session.js'),
    import('../kube/deploy.js'),
    import('../kube/order.js'),
    import('../project/name.js'),
    import('../rollout/index.js'),
    import('../rollout/api.js'),
    import('../rollout/reflector.js'),
    import('@kubernetes/client-node'),
  ]);
  const project = lenientProject(options.file, options.cwd, options.name, projectName);
  const { client, logger, target } = await openSession(options, io, options.namespace);
  const kc = target.kubeConfig;
  const refs = jobs.map((name) => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: options.namespace }));
  const interrupt = options.signal ? undefined : interruptSignal(logger);
  const signal = options.signal ?? interrupt?.signal;
  let applied = false;
  let follower: LogFollower | undefined;
  let pods: Reflector | undefined;
  try {
    const objects = await deployMod.prepare(client, manifest, options.namespace, project);
    logger.info(`rendered ${where}: job${jobs.length === 1 ? '' : 's'} ${jobs.join(', ')}${objects.length > jobs.length ? ` and ${objects.length - jobs.length} other objects` : ''}`);

    // A Job left over by an interrupted run with the same tag would be taken for this run's.
    for (const ref of refs) {
      const old = await client.get(ref);
      if (old) {
        logger.warn(`job/${ref.name} already exists (left over from an earlier run with tag ${options.tag}); deleting it first`);
        await client.delete(ref, { propagationPolicy: 'Background' });
        await waitUntilGone(() => client.get(ref), 60_000, signal);
      }
    }

    for (const tier of applyTiers(objects, (o) => o.object.kind)) {
      for (const p of tier) {
        if (signal?.aborted) throw signal.reason;
        await client.apply(p.object);
        if (p.object.kind === 'Job') applied = true;
        logger.info(`applied ${p.object.kind}/${p.object.metadata.name}`);
      }
    }

    const jobObjects = objects.filter((o) => o.object.kind === 'Job');
    const containerCount = Math.max(...jobObjects.map((o) => {
      const spec = (o.object as { spec?: { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } }).spec?.template?.spec;
      return (spec?.containers?.length ?? 0) + (spec?.initContainers?.length ?? 0);
    }));
    follower = new LogFollower(k8s, kc, options.namespace, io.stdout, logger, containerCount > 1 || jobs.length > 1);
    const api: RolloutApi = createRolloutApi(kc, k8s.Watch);
    const selector = jobs.length === 1 ? `job-name=${jobs[0]}` : `job-name in (${jobs.join(',')})`;
    const podsOfJobs = () => [...(pods?.items.values() ?? [])] as Pod[];
    pods = new ReflectorClass(api, `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods`, { labelSelector: selector }, () => follower?.update(podsOfJobs()), { debug: (m) => logger.debug(m) });
    pods.start();

    const result = await rolloutMod.watchRollout({
      kubeConfig: kc,
      targets: jobObjects.map((o) => ({ apiVersion: o.object.apiVersion, kind: 'Job', namespace: options.namespace, name: o.object.metadata.name, source: o.location })),
      timeoutSeconds: options.timeout ?? 300,
      logger,
      logTails: false,
      ...(signal && { signal }),
    });
    // The log may still be arriving; pods the watch saw late get followed now.
    follower.update(podsOfJobs());
    await follower.drain(5_000);
    if (result.outcome === 'succeeded') return 0;
    if (result.outcome === 'failed') throw new RolloutFailedError(result.summary, { fix: 'read the job log and events above' });
    throw new RolloutTimeoutError(result.summary, { fix: 'raise --timeout (0 = none), or set the annotation eastern.io/timeout on the Job' });
  } catch (error) {
    if (signal?.aborted && error === signal.reason) {
      logger.warn('interrupted');
      return 130;
    }
    throw clusterError(target, error);
  } finally {
    interrupt?.dispose();
    follower?.stop();
    await pods?.stop();
    if (applied || signal?.aborted) {
      for (const ref of refs) {
        try {
          if (await client.delete(ref, { propagationPolicy: 'Background' })) logger.info(`deleted job/${ref.name} and its pods`);
        } catch (error) {
          logger.error(`could not delete job/${ref.name}: ${(error as Error).message}`);
          logger.info(`to clean up by hand: kubectl -n ${options.namespace} delete job ${ref.name}`);
        }
      }
    }
    client.close();
  }
}

async function waitUntilGone(get: () => Promise<unknown>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const end = Date.now() + ms;
  while (await get()) {
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > end) throw new EasternError('the earlier job of the same name is still being deleted', { fix: 'wait a moment and run again' });
    await new Promise((r) => setTimeout(r, 250));
  }
}
