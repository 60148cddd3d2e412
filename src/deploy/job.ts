// `eastern job` as an engine procedure: the Python eastern's job command, through
// the deploy engine's own parts. Phases:
//
//   validate   manifest shape and served kinds; every Job renamed <name>-<tag>
//   lock       the project's Lease (a job and a deploy of one project do not overlap)
//   leftover   a Job of the same name left by an interrupted run is deleted first
//   dry run    every object, server side; any rejection stops here, nothing written
//   apply      the deploy's apply path (server-side apply, tier by tier)
//   wait       the rollout watch of the Jobs, their pods' logs streamed to stdout
//   delete     the Jobs and their pods, always (Ctrl-C included)
//
// A job is not a release: nothing is recorded in the release history.
import { Writable } from 'node:stream';
import { EasternError, RolloutFailedError, RolloutTimeoutError, ValidationError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import type { ObjectRef } from '../kube/objects.js';
import { Reflector } from '../kube/reflector.js';
import type { Io, Logger } from '../output/logger.js';
import type { ManifestDocument } from '../template/types.js';
import type { Pod } from '../rollout/objects.js';
import { applyAll } from './apply.js';
import { DEFAULT_CONCURRENCY } from './defaults.js';
import { prepare } from './deploy.js';
import { serverDryRun } from './dry-run.js';
import { DeployLock, clusterLeaseApi } from './lock.js';
import type { ManifestInput } from './manifest.js';
import { PhaseRunner } from './phases.js';
import type { PlannedObject } from './plan.js';

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

/**
 * The manifest with every Job renamed, and the Jobs' new names; ValidationError
 * when there is no Job to run (checked before any cluster is contacted).
 */
export function jobManifest(manifest: ManifestInput, tag: string, where: string): { manifest: ManifestInput; jobs: string[] } {
  const { documents, jobs } = renameJobs(manifest.documents, tag);
  if (jobs.length === 0) {
    throw new ValidationError(`${where} contains no Job (kind: Job, apiVersion: batch/v1)`, { fix: 'eastern job runs the Job of a template; use eastern deploy for other objects' });
  }
  return { manifest: { ...manifest, documents }, jobs };
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

/** Follows the logs of a Job's pods as their containers start, writing them to stdout. */
class LogFollower {
  private readonly started = new Set<string>();
  private readonly running = new Map<string, { done: Promise<void>; abort: () => void; finished: boolean }>();
  private lastData = Date.now();
  private readonly podsSeen: string[] = [];

  constructor(
    private readonly client: KubeClient,
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
    const out = this.out;
    const sink = new Writable({
      write: (chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) => {
        this.lastData = Date.now();
        const lines = (pending + chunk.toString('utf8')).split('\n');
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
    const controller = new AbortController();
    const entry = { done: Promise.resolve(), finished: false, abort: () => controller.abort() };
    entry.done = this.client.followPodLog(this.namespace, pod, container, (text) => sink.write(text), controller.signal).then(
      () => new Promise<void>((resolve) => sink.end(resolve)),
      (error: unknown) => {
        if (!controller.signal.aborted) this.logger.warn(`cannot read the log of pod ${pod} container ${container}: ${(error as Error).message}`);
        sink.destroy();
      },
    ).finally(() => { entry.finished = true; });
    this.running.set(key, entry);
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

export interface JobRequest {
  client: KubeClient;
  namespace: string;
  project: string;
  tag: string;
  /** From jobManifest(): Jobs renamed. */
  manifest: ManifestInput;
  jobs: string[];
  /** Where the template is, for messages. */
  where: string;
  timeoutSeconds: number;
  lockTimeoutSeconds: number;
  deployer: string;
  logger: Logger;
  stdout: Io['stdout'];
  signal?: AbortSignal;
}

async function waitUntilGone(get: () => Promise<unknown>, ms: number, phases: PhaseRunner): Promise<void> {
  const end = Date.now() + ms;
  while (await get()) {
    phases.check();
    if (Date.now() > end) throw new EasternError('the earlier job of the same name is still being deleted', { fix: 'wait a moment and run again' });
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the Jobs of a rendered manifest to the end; resolves when they succeeded, throws otherwise. */
export async function runJob(req: JobRequest): Promise<void> {
  const { client, logger, namespace } = req;
  const phases = new PhaseRunner(logger, req.signal);
  const { manifest, jobs } = req;
  const refs: ObjectRef[] = jobs.map((name) => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace }));
  const objects = await phases.run('validate', () => prepare(client, manifest, namespace, req.project));
  logger.info(`rendered ${req.where}: job${jobs.length === 1 ? '' : 's'} ${jobs.join(', ')}${objects.length > jobs.length ? ` and ${objects.length - jobs.length} other objects` : ''}`);

  const lock = new DeployLock({ api: clusterLeaseApi(client, namespace, req.project), namespace, project: req.project, identity: req.deployer, logger });
  await phases.run('lock', () => lock.acquire(req.lockTimeoutSeconds));
  phases.guard(lock);
  // Writes from here on first prove the lock is still ours.
  const writer = client.withWriteGuard(lock.guard());
  let applied = false;
  try {
    await phases.run('leftover', async () => {
      // A Job left over by an interrupted run with the same tag would be taken for this run's.
      for (const ref of refs) {
        if (!(await client.get(ref))) continue;
        logger.warn(`job/${ref.name} already exists (left over from an earlier run with tag ${req.tag}); deleting it first`);
        await writer.delete(ref, { propagationPolicy: 'Background' });
        await waitUntilGone(() => client.get(ref), 60_000, phases);
      }
    });
    const dry = await phases.run('dry run', () => serverDryRun(client, objects, { concurrency: DEFAULT_CONCURRENCY, namespaceExists: true }));
    await phases.run('apply', async () => {
      applied = true;
      const result = await applyAll({ client: writer, logger, concurrency: DEFAULT_CONCURRENCY, forceConflicts: false, beforeWrite: () => phases.check() }, objects, dry, new Map());
      if (result.failures.length > 0) throw new EasternError(`${result.failures.length} objects could not be applied`, { details: result.failures });
    });
    await phases.run('wait', () => waitForJobs(req, objects.filter((o) => o.object.kind === 'Job'), jobs, lock.signal));
  } finally {
    if (applied || req.signal?.aborted) await deleteJobs(writer, refs, namespace, logger);
    await lock.release();
  }
}

/** The rollout watch of the Jobs, with their pods' logs streamed to stdout while it runs. */
async function waitForJobs(req: JobRequest, jobObjects: readonly PlannedObject[], jobs: readonly string[], lockSignal: AbortSignal): Promise<void> {
  const { client, logger, namespace } = req;
  const { watchRollout } = await import('../rollout/index.js');
  const containerCount = Math.max(...jobObjects.map((o) => {
    const spec = (o.object as { spec?: { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } }).spec?.template?.spec;
    return (spec?.containers?.length ?? 0) + (spec?.initContainers?.length ?? 0);
  }));
  const follower = new LogFollower(client, namespace, req.stdout, logger, containerCount > 1 || jobs.length > 1);
  const selector = jobs.length === 1 ? `job-name=${jobs[0]}` : `job-name in (${jobs.join(',')})`;
  const { path } = await client.collection('v1', 'Pod', namespace);
  const pods: Reflector<Pod> = new Reflector<Pod>(client, path, { labelSelector: selector }, () => follower.update([...pods.items.values()]), { debug: (m) => logger.debug(m) });
  pods.start();
  try {
    const result = await watchRollout({
      api: client,
      targets: jobObjects.map((o) => ({ apiVersion: o.object.apiVersion, kind: 'Job', namespace, name: o.object.metadata.name, source: o.location })),
      defaultNamespace: namespace,
      timeoutSeconds: req.timeoutSeconds,
      logger,
      logTails: false,
      signal: req.signal ? AbortSignal.any([req.signal, lockSignal]) : lockSignal,
    });
    // The log may still be arriving; pods the watch saw late get followed now.
    follower.update([...pods.items.values()]);
    await follower.drain(5_000);
    if (result.outcome === 'failed') throw new RolloutFailedError(result.summary, { fix: 'read the job log and events above' });
    if (result.outcome === 'timeout') throw new RolloutTimeoutError(result.summary, { fix: 'raise --timeout (0 = none), or set the annotation eastern.io/timeout on the Job' });
  } finally {
    follower.stop();
    await pods.stop();
  }
}

async function deleteJobs(client: KubeClient, refs: readonly ObjectRef[], namespace: string, logger: Logger): Promise<void> {
  for (const ref of refs) {
    try {
      if (await client.delete(ref, { propagationPolicy: 'Background' })) logger.info(`deleted job/${ref.name} and its pods`);
    } catch (error) {
      logger.error(`could not delete job/${ref.name}: ${(error as Error).message}`);
      logger.info(`to clean up by hand: kubectl -n ${namespace} delete job ${ref.name}`);
    }
  }
}
