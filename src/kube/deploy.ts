// The deploy pipeline, as a list of phases (Krane's deploy_task shape):
//
//   validate   manifest shape, served kinds, namespaces, labels (client side + discovery)
//   namespace  create the target namespace if it is missing
//   lock       the project's Lease in the namespace
//   dry run    every object, server side; any rejection stops here, nothing written
//   record     release revision N as pending
//   apply      server-side apply, tier by tier, parallel inside a tier
//   prune      (--prune) objects earlier revisions applied and this one lacks
//   wait       the rollout watch (src/rollout), unless --no-wait
//   outcome    revision N deployed / failed; older revisions superseded; history trimmed
//   unlock     always
//
// `preview` is the read-only variant behind `deploy --dry-run` and `diff`.

import { ClusterError, EasternError, RolloutFailedError, RolloutTimeoutError, ValidationError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { parseManifest } from '../template/manifest.js';
import type { ManifestDocument } from '../template/types.js';
import { apiMessage, type KubeClient, type KubeResponse } from './client.js';
import { diffObjects, isSecret, secretKeyCount, type ObjectDiff } from './diff.js';
import { diffEntries, liveProjectObjects, serverDryRun, unchangedByDryRun, type DiffEntry, type DryRunOutcome } from './dry-run.js';
import { DeployLock, clusterLeaseApi, type Clock } from './lock.js';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, describeRef, refKey, type KubeObject, type ObjectRef } from './objects.js';
import { applyTiers } from './order.js';
import { collectObjects, placeObjects, type FormatLocation, type PlannedObject } from './plan.js';
import { mapSettled } from './pool.js';
import { decidePrune, executePrune, pruneCandidates, type PruneDecision } from './prune.js';
import { ReleaseStore } from './release-store.js';
import { maskVariables, nextRevision, revisionsToKeep, rollbackTarget, type BuildInfo, type Outcome, type ReleaseHead, type ReleaseInfo } from './release.js';
import { loadWatcher, rolloutApi, type RolloutResult, type WatchTarget } from './rollout-port.js';
import { statusOf } from './retry.js';

export interface DeploySettings {
  wait: boolean;
  /** Rollout timeout; 0 = none. */
  timeoutSeconds: number;
  prune: boolean;
  rollbackOnFailure: boolean;
  lockTimeoutSeconds: number;
  forceConflicts: boolean;
  historyLimit: number;
  concurrency?: number;
  /** Release record chunk size (tests use small ones). */
  chunkBytes?: number;
}

export interface ManifestInput {
  /** The rendered manifest, stored in the release record. */
  text: string;
  documents: readonly ManifestDocument[];
  format: FormatLocation;
}

export interface DeployRequest {
  client: KubeClient;
  namespace: string;
  project: string;
  manifest: ManifestInput;
  variables: Readonly<Record<string, string>>;
  /** Template path for the record (relative), or "revision N". */
  source?: string;
  commit?: Promise<string | undefined> | string;
  build?: BuildInfo;
  deployer: string;
  easternVersion: string;
  rollbackOf?: number;
  settings: DeploySettings;
  logger: Logger;
  signal?: AbortSignal;
  clock?: Clock;
  /** See PreparePolicy. */
  namespaceAllowed?: (namespace: string) => boolean;
}

export type ObjectAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed';

export interface ObjectReport {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ObjectAction;
  /** Template file:line. */
  source?: string;
  /** Short change summary: changed paths, or "(n keys changed)" for Secrets. */
  detail?: string;
}

export interface DeployReport {
  project: string;
  namespace: string;
  context: string;
  revision: number;
  outcome: 'deployed' | 'failed' | 'timeout';
  objects: ObjectReport[];
  pruned: ObjectReport[];
  rollout?: RolloutResult;
  /** Set when --rollback-on-failure re-applied an earlier revision. */
  rollback?: { revision: number; of: number; outcome: 'deployed' | 'failed' | 'timeout' };
  durationMs: number;
}

const DEFAULT_CONCURRENCY = 16;

export interface PreparePolicy {
  /**
   * Namespaces this deploy may write to (the agent's allow-list). Checked before
   * any write: the target namespace, every object's namespace, and the names of
   * Namespace objects in the manifest.
   */
  namespaceAllowed?: (namespace: string) => boolean;
}

/** Objects that would write outside the allowed namespaces, as problems naming the template line. */
export function namespaceProblems(objects: readonly PlannedObject[], namespace: string, allowed: (ns: string) => boolean): string[] {
  const problems: string[] = [];
  if (!allowed(namespace)) problems.push(`the target namespace "${namespace}" is not allowed here`);
  for (const p of objects) {
    const ns = p.object.metadata.namespace;
    if (ns !== undefined && ns !== namespace && !allowed(ns)) problems.push(`${p.location}: ${describeRef(p.object)} is in namespace "${ns}", which is not allowed here`);
    if (p.object.kind === 'Namespace' && p.resource.group === '' && !allowed(p.object.metadata.name)) {
      problems.push(`${p.location}: ${describeRef(p.object)} is a namespace that is not allowed here`);
    }
  }
  return problems;
}

/** validate: everything that can be checked before writing. */
export async function prepare(client: KubeClient, manifest: ManifestInput, namespace: string, project: string, policy: PreparePolicy = {}): Promise<PlannedObject[]> {
  const { drafts, problems } = collectObjects(manifest.documents, manifest.format);
  const discovery = await client.discovery();
  const placed = await placeObjects(drafts, { namespace, project, discovery, clusterName: client.target.context });
  const all = [...problems, ...placed.problems, ...(policy.namespaceAllowed ? namespaceProblems(placed.objects, namespace, policy.namespaceAllowed) : [])];
  if (all.length > 0) {
    throw new ValidationError(`the manifest has ${all.length} ${all.length === 1 ? 'problem' : 'problems'}; nothing was applied`, {
      problems: all,
      fix: 'fix the template lines above and deploy again',
    });
  }
  if (placed.objects.length === 0) {
    throw new ValidationError('the manifest contains no objects; nothing to deploy', { fix: 'check that the template renders at least one Kubernetes object (eastern generate FILE)' });
  }
  return placed.objects;
}

const NAMESPACE_REF = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name });

/** Creates the target namespace when missing; true when this call created it. */
async function ensureNamespace(client: KubeClient, namespace: string, logger: Logger): Promise<boolean> {
  const existing = await client.get(NAMESPACE_REF(namespace));
  if (existing) {
    if ((existing as { status?: { phase?: string } }).status?.phase === 'Terminating') {
      throw new ClusterError(`namespace ${namespace} is being deleted`, { fix: 'wait until it is gone, then deploy again' });
    }
    return false;
  }
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE } } });
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw new ClusterError(`cannot create namespace ${namespace}: ${apiMessage(error)}`, { cause: error, fix: 'create it, or deploy with an account allowed to create namespaces' });
  }
  logger.info(`namespace ${namespace} created`);
  return true;
}

function summaryLine(objects: readonly ObjectReport[], pruned: readonly ObjectReport[]): string {
  const count = (a: ObjectAction) => objects.filter((o) => o.action === a).length;
  return `applied ${objects.length} objects: ${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged, ${pruned.length} pruned`;
}

function report(p: PlannedObject, action: ObjectAction, detail?: string): ObjectReport {
  const r: ObjectReport = { apiVersion: p.object.apiVersion, kind: p.object.kind, name: p.object.metadata.name, action, source: p.location };
  if (p.object.metadata.namespace) r.namespace = p.object.metadata.namespace;
  if (detail) r.detail = detail;
  return r;
}

/** A short "what changed" for one log line. */
function changeDetail(diff: ObjectDiff): string | undefined {
  if (diff.secretKeysChanged !== undefined) {
    const n = diff.secretKeysChanged;
    const rest = diff.changes.length ? `, ${diff.changes.length} other ${diff.changes.length === 1 ? 'field' : 'fields'}` : '';
    return `${n} ${n === 1 ? 'key' : 'keys'} changed${rest}`;
  }
  if (diff.changes.length === 0) return undefined;
  const paths = diff.changes.slice(0, 3).map((c) => c.path);
  return diff.changes.length > 3 ? `${paths.join(', ')} and ${diff.changes.length - 3} more` : paths.join(', ');
}

function describeReport(r: ObjectReport): string {
  return `${r.action} ${r.kind}/${r.name}${r.detail ? ` (${r.detail})` : ''}`;
}

interface Applied {
  objects: ObjectReport[];
  failures: string[];
}

/** apply: tier by tier; a failure in a tier stops before the next one. */
async function applyAll(req: DeployRequest, objects: readonly PlannedObject[], dry: DryRunOutcome, live: Map<string, KubeObject>): Promise<Applied> {
  const { client, logger, settings } = req;
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const reports: ObjectReport[] = [];
  const failures: string[] = [];
  let crdsReady = !objects.some((o) => o.viaCrd);
  for (const tier of applyTiers(objects, (o) => o.object.kind)) {
    if (!crdsReady && tier.some((o) => o.viaCrd)) {
      await waitForCrds(client, objects.filter((o) => o.viaCrd), logger);
      crdsReady = true;
    }
    const settled = await mapSettled(tier, concurrency, async (p): Promise<ObjectReport> => {
      const dryResult = dry.results.get(p.key);
      const before = live.get(p.key);
      if (unchangedByDryRun(before, dryResult)) return report(p, 'unchanged');
      const res = await client.apply(p.object, { force: settings.forceConflicts });
      return classifyApply(p, res, before);
    });
    settled.forEach((s, i) => {
      const p = tier[i]!;
      if (s.ok) {
        reports.push(s.value);
        logger.info(describeReport(s.value));
      } else {
        const message = `${p.location}: ${describeRef(p.object)}: ${apiMessage(s.error)}`;
        failures.push(message);
        reports.push(report(p, 'failed', apiMessage(s.error)));
        logger.error(`failed ${describeRef(p.object)}: ${apiMessage(s.error)}`);
      }
    });
    if (failures.length > 0) break;
    if (req.signal?.aborted) break;
  }
  return { objects: reports, failures };
}

/**
 * created (201) / configured / unchanged. A controller may have written status
 * between dry run and apply, so resourceVersions cannot tell; the live object of
 * the project (from the LIST) compared without server bookkeeping can. An object
 * that existed but was not listed did not carry this project's label yet, so
 * applying it changed at least that.
 */
function classifyApply(p: PlannedObject, res: KubeResponse<KubeObject>, before: KubeObject | undefined): ObjectReport {
  if (res.status === 201) {
    if (!isSecret(p.object)) return report(p, 'created');
    const n = secretKeyCount(res.body as Record<string, unknown>);
    return report(p, 'created', `${n} ${n === 1 ? 'key' : 'keys'}`);
  }
  if (!before) return report(p, 'configured', 'now labelled for this project');
  const diff = diffObjects(before, res.body);
  if (diff.changes.length === 0 && !diff.secretKeysChanged) return report(p, 'unchanged');
  return report(p, 'configured', changeDetail(diff));
}

/** Custom resources whose CRD is in the same manifest: wait until the API serves them. */
async function waitForCrds(client: KubeClient, pending: readonly PlannedObject[], logger: Logger): Promise<void> {
  const discovery = await client.discovery();
  const deadline = Date.now() + 60_000;
  logger.info(`waiting for ${new Set(pending.map((p) => p.object.kind)).size} new custom resource kinds to be served`);
  for (;;) {
    await discovery.refresh();
    const missing = [];
    for (const p of pending) if (!(await discovery.resolve(p.object.apiVersion, p.object.kind))) missing.push(p);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new ClusterError(`the cluster did not start serving ${[...new Set(missing.map((p) => `${p.object.apiVersion} ${p.object.kind}`))].join(', ')} within 60 s of creating its CustomResourceDefinition`, {
        details: missing.map((p) => `${p.location}: ${describeRef(p.object)}`),
        fix: 'check the CustomResourceDefinition (kubectl describe crd) and deploy again',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function watchTargets(objects: readonly PlannedObject[]): WatchTarget[] {
  return objects.map((p) => {
    const t: WatchTarget = { apiVersion: p.object.apiVersion, kind: p.object.kind, name: p.object.metadata.name, source: p.location };
    if (p.object.metadata.namespace) t.namespace = p.object.metadata.namespace;
    return t;
  });
}

function interrupted(signal: AbortSignal | undefined): EasternError | undefined {
  if (!signal?.aborted) return undefined;
  const reason = signal.reason;
  return reason instanceof EasternError ? reason : new EasternError(`deploy interrupted${reason ? ` (${String(reason instanceof Error ? reason.message : reason)})` : ''}`);
}

interface LockedContext {
  store: ReleaseStore;
  lock: DeployLock;
  startedAt: string;
  t0: number;
  /** Set when the namespace was created by this deploy (deleted again if the dry run fails). */
  createdNamespace: boolean;
}

/**
 * dry run → record → apply → prune → wait → outcome, with the lock held.
 * Rollout failure returns a report (the caller decides about rollback); any other
 * failure after the record exists marks the revision failed and throws.
 */
async function runLocked(req: DeployRequest, objects: PlannedObject[], ctx: LockedContext): Promise<{ report: DeployReport; head: ReleaseHead; history: ReleaseHead[] }> {
  const { client, logger, settings, namespace, project } = req;
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;

  // dry run, live objects and history in parallel: three independent reads.
  let dry: DryRunOutcome;
  let live: Map<string, KubeObject>;
  let history: ReleaseHead[];
  try {
    const [d, l, h] = await Promise.all([
      serverDryRun(client, objects, { force: settings.forceConflicts, concurrency, namespaceExists: true }),
      liveProjectObjects(client, objects, project, namespace, concurrency),
      ctx.store.list(),
    ]);
    dry = d;
    live = l;
    history = h.heads;
    for (const u of h.unreadable) logger.warn(`unreadable release record: ${u}`);
  } catch (error) {
    if (ctx.createdNamespace) {
      await client.delete(NAMESPACE_REF(namespace)).catch(() => undefined);
      logger.info(`namespace ${namespace} deleted again (it was created by this deploy)`);
    }
    throw error;
  }
  const n = dry.unchecked.length;
  const unchecked = n ? ` (${n} custom ${n === 1 ? 'resource' : 'resources'} of a CustomResourceDefinition in this manifest: applied without a dry run once the cluster serves ${n === 1 ? 'it' : 'them'})` : '';
  logger.info(`dry run passed: ${objects.length - dry.unchecked.length} objects accepted${unchecked}`);
  ctx.lock.assertHeld();
  const stop = interrupted(req.signal);
  if (stop) throw stop;

  // Revisions left pending by a deploy that died: we hold the lock, so they are over.
  for (const h of history.filter((h) => h.info.outcome === 'pending')) {
    const updated = await ctx.store.setOutcome(h, 'interrupted', { reason: 'the deploy ended without recording an outcome (killed, or lost the cluster)' });
    history = history.map((x) => (x === h ? updated : x));
    logger.warn(`revision ${h.info.revision} was left pending by ${h.info.deployer}; marked interrupted`);
  }

  const revision = nextRevision(history);
  const commit = await req.commit;
  const info: Omit<ReleaseInfo, 'manifest'> = {
    schema: 1,
    project,
    namespace,
    revision,
    outcome: 'pending',
    startedAt: ctx.startedAt,
    deployer: req.deployer,
    context: client.target.context,
    easternVersion: req.easternVersion,
    variables: maskVariables(req.variables),
    objects: objects.map((o) => o.ref),
    ...(req.build && { build: req.build }),
    ...(commit && { commit }),
    ...(req.source && { source: req.source }),
    ...(req.rollbackOf !== undefined && { rollbackOf: req.rollbackOf }),
  };
  let head = await ctx.store.write(info, req.manifest.text, settings.chunkBytes);
  logger.info(`revision ${revision} recorded as pending${req.rollbackOf !== undefined ? ` (rollback to revision ${req.rollbackOf})` : ''}`);

  const finish = async (outcome: Outcome, reason?: string) => {
    head = await ctx.store.setOutcome(head, outcome, { finishedAt: new Date().toISOString(), ...(reason && { reason }) });
  };

  let applied: Applied;
  const pruned: ObjectReport[] = [];
  let rollout: RolloutResult | undefined;
  try {
    applied = await applyAll(req, objects, dry, live);
    if (applied.failures.length > 0) {
      throw new ClusterError(`${applied.failures.length} ${applied.failures.length === 1 ? 'object' : 'objects'} could not be applied after a successful dry run; revision ${revision} is marked failed`, {
        details: applied.failures,
        fix: 'fix the cause above and deploy again (objects applied before the failure keep their new state)',
      });
    }
    const stopApply = interrupted(req.signal);
    if (stopApply) throw stopApply;
    ctx.lock.assertHeld();

    if (settings.prune) {
      const candidates = pruneCandidates(history, new Set(objects.map((o) => o.key)));
      if (candidates.length > 0) {
        const decisions = await decidePrune(client, candidates, project, concurrency);
        logKept(decisions, project, logger);
        const failures = await executePrune(client, decisions, concurrency, (ref) => {
          const r: ObjectReport = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, action: 'pruned' };
          if (ref.namespace) r.namespace = ref.namespace;
          pruned.push(r);
          logger.info(describeReport(r));
        });
        if (failures.length > 0) {
          throw new ClusterError(`${failures.length} objects could not be pruned; revision ${revision} is marked failed`, { details: failures.map((f) => f.message), fix: 'check the permissions and finalizers of those objects, then deploy again' });
        }
      }
    }
    logger.info(summaryLine(applied.objects, pruned));

    if (settings.wait) {
      const watch = await loadWatcher();
      const api = await rolloutApi(client.target.kubeConfig);
      rollout = await watch({ kubeConfig: client.target.kubeConfig, api, targets: watchTargets(objects), timeoutSeconds: settings.timeoutSeconds, logger, signal: anySignal(req.signal, ctx.lock.signal) });
    }
    const stopWait = interrupted(req.signal);
    if (stopWait) throw stopWait;
    ctx.lock.assertHeld();
  } catch (error) {
    const aborted = req.signal?.aborted === true;
    await finish(aborted ? 'interrupted' : 'failed', error instanceof Error ? error.message : String(error)).catch((e) => logger.error(`could not record the outcome of revision ${revision}: ${apiMessage(e)}`));
    throw error;
  }

  const outcome: DeployReport['outcome'] = rollout === undefined || rollout.outcome === 'succeeded' ? 'deployed' : rollout.outcome === 'failed' ? 'failed' : 'timeout';
  if (outcome === 'deployed') {
    await finish('deployed');
    await retireOlder(ctx.store, history, revision, req.rollbackOf !== undefined, logger);
  } else {
    await finish('failed', rollout?.summary ?? (outcome === 'timeout' ? `rollout did not finish within ${settings.timeoutSeconds} s` : 'rollout failed'));
  }
  await trimHistory(ctx.store, [...history.map((h) => h.info.revision), revision], settings.historyLimit, logger);

  const result: DeployReport = {
    project,
    namespace,
    context: client.target.context,
    revision,
    outcome,
    objects: applied.objects,
    pruned,
    durationMs: Math.round(performance.now() - ctx.t0),
  };
  if (rollout) result.rollout = rollout;
  return { report: result, head, history };
}

function logKept(decisions: readonly PruneDecision[], project: string, logger: Logger) {
  for (const d of decisions) {
    if (d.decision === 'not-ours') logger.info(`kept ${describeRef(d.ref)}: no longer in the manifest, but it no longer carries eastern.io/project=${project}`);
  }
}

/** Older `deployed` revisions become superseded; the one a rollback replaces becomes rolled-back. */
async function retireOlder(store: ReleaseStore, history: readonly ReleaseHead[], revision: number, isRollback: boolean, logger: Logger) {
  const older = history.filter((h) => h.info.revision < revision).sort((a, b) => b.info.revision - a.info.revision);
  const replaced = older[0];
  const updates: Promise<unknown>[] = [];
  for (const h of older) {
    if (isRollback && h === replaced && (h.info.outcome === 'deployed' || h.info.outcome === 'failed')) updates.push(store.setOutcome(h, 'rolled-back', h.info.reason ? { reason: h.info.reason } : {}));
    else if (h.info.outcome === 'deployed') updates.push(store.setOutcome(h, 'superseded'));
  }
  const settled = await Promise.allSettled(updates);
  for (const s of settled) if (s.status === 'rejected') logger.warn(`could not update an older release record: ${apiMessage(s.reason)}`);
}

async function trimHistory(store: ReleaseStore, revisions: number[], limit: number, logger: Logger) {
  if (new Set(revisions).size <= limit) return;
  try {
    await store.prune(revisionsToKeep(revisions, limit));
  } catch (error) {
    logger.warn(`could not delete old release records: ${apiMessage(error)}`);
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** The full deploy of a rendered manifest (also used by `rollback`). */
export async function deploy(req: DeployRequest): Promise<DeployReport> {
  const { client, logger, settings, namespace, project } = req;
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const version = await client.serverVersion().catch((error) => {
    throw new ClusterError(`cannot reach cluster ${client.target.context} (${client.target.server}): ${apiMessage(error)}`, { cause: error, fix: 'check that the cluster is up and the kubeconfig/context are right' });
  });
  const objects = await prepare(client, req.manifest, namespace, project, req);
  logger.info(`validated ${objects.length} objects of project ${project} against cluster ${client.target.context} (${version ?? 'unknown version'})`);

  const createdNamespace = await ensureNamespace(client, namespace, logger);
  const store = new ReleaseStore(client, namespace, project);
  const lock = new DeployLock({ api: clusterLeaseApi(client, namespace, project), namespace, project, identity: req.deployer, logger, ...(req.clock && { clock: req.clock }) });
  await lock.acquire(settings.lockTimeoutSeconds);
  logger.debug(`lock acquired: Lease eastern-lock-${project} held by ${req.deployer}`);
  try {
    const ctx: LockedContext = { store, lock, startedAt, t0, createdNamespace };
    const first = await runLocked(req, objects, ctx);
    const result = first.report;
    if (result.outcome === 'deployed') {
      logger.info(`revision ${result.revision} deployed in ${(result.durationMs / 1000).toFixed(1)} s`);
      return result;
    }
    if (settings.rollbackOnFailure) await rollbackAfterFailure(req, ctx, result);
    return result;
  } finally {
    await lock.release();
  }
}

/** --rollback-on-failure: re-apply the newest good revision before the failed one, as a new revision, and wait for it. */
async function rollbackAfterFailure(req: DeployRequest, ctx: LockedContext, failed: DeployReport): Promise<void> {
  const { logger } = req;
  const { heads } = await ctx.store.list();
  const target = rollbackTarget(heads.filter((h) => h.info.revision <= failed.revision));
  if (!target) {
    logger.warn(`no earlier good revision of ${req.project} to roll back to; leaving revision ${failed.revision} in place`);
    return;
  }
  logger.info(`rolling back to revision ${target.info.revision}`);
  try {
    const manifest = await revisionManifest(ctx.store, target);
    const rollbackReq: DeployRequest = {
      ...req,
      manifest,
      variables: target.info.variables,
      source: `revision ${target.info.revision}`,
      rollbackOf: target.info.revision,
      commit: target.info.commit,
    };
    const objects = await prepare(req.client, manifest, req.namespace, req.project, req);
    const again = await runLocked(rollbackReq, objects, { ...ctx, createdNamespace: false, startedAt: new Date().toISOString() });
    failed.rollback = { revision: again.report.revision, of: target.info.revision, outcome: again.report.outcome };
    logger.info(`rollback to revision ${target.info.revision} ${again.report.outcome === 'deployed' ? 'succeeded' : 'did not succeed'} (revision ${again.report.revision})`);
  } catch (error) {
    logger.error(`rollback to revision ${target.info.revision} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A stored revision as deploy input; locations read "revision N:line". */
export async function revisionManifest(store: ReleaseStore, head: ReleaseHead): Promise<ManifestInput> {
  const text = await store.manifest(head.info);
  const label = `revision ${head.info.revision}`;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const sourceMap = lines.map((_, i) => ({ file: label, line: i + 1 }));
  const documents = parseManifest({ text, sourceMap }, '/');
  return { text, documents, format: (loc) => `${loc.file}:${loc.line}` };
}

/**
 * The error a finished deploy report maps to (rollout failure → exit 3, timeout →
 * exit 2). Only the reasons, one line per failed object: the rollout watcher has
 * already logged each failure's events and log tails, which should appear once.
 */
export function reportError(result: DeployReport): EasternError | undefined {
  if (result.outcome === 'deployed') return undefined;
  const rollback = result.rollback
    ? [`rolled back to revision ${result.rollback.of} as revision ${result.rollback.revision}: ${result.rollback.outcome === 'deployed' ? 'succeeded' : result.rollback.outcome}`]
    : [];
  const failures = (result.rollout?.failures ?? []).map((f) => `${f.target.kind}/${f.target.name}${f.target.source ? ` (${f.target.source})` : ''}: ${f.reason}`);
  const timeout = result.outcome === 'timeout';
  // One failure: its line is the message. Several: a count, then a line each.
  const summary = failures.length === 1 ? failures[0]! : failures.length > 1 ? `${failures.length} objects ${timeout ? 'did not finish' : 'failed'}` : (result.rollout?.summary ?? '');
  const details = [...(failures.length > 1 ? failures : []), ...rollback];
  if (timeout) {
    return new RolloutTimeoutError(`revision ${result.revision} of ${result.project} did not finish rolling out in time${summary ? `: ${summary}` : ''}`, {
      details,
      fix: 'see the events and logs above; raise --timeout if the rollout is just slow',
    });
  }
  return new RolloutFailedError(`revision ${result.revision} of ${result.project} failed to roll out${summary ? `: ${summary}` : ''}`, {
    details,
    fix: result.rollback ? 'fix the cause (events and logs above) and deploy again' : `fix the cause (events and logs above) and deploy again, or roll back: eastern rollback ${result.project} ${result.namespace}`,
  });
}

// ---------------------------------------------------------------- preview

export interface PreviewReport {
  project: string;
  namespace: string;
  context: string;
  namespaceExists: boolean;
  entries: DiffEntry[];
  /** Objects --prune would delete. */
  prune: ObjectRef[];
}

/** The read-only plan: validate and dry-run, then compare with live objects. No lock, no writes. */
export async function preview(client: KubeClient, manifest: ManifestInput, namespace: string, project: string, settings: Pick<DeploySettings, 'forceConflicts' | 'concurrency'>, logger: Logger, policy: PreparePolicy = {}): Promise<PreviewReport> {
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const objects = await prepare(client, manifest, namespace, project, policy);
  const nsLive = await client.get(NAMESPACE_REF(namespace));
  const namespaceExists = nsLive !== undefined;
  if (!namespaceExists) logger.info(`namespace ${namespace} does not exist yet: a deploy creates it; objects inside it are checked client-side only`);
  const [dry, history] = await Promise.all([
    serverDryRun(client, objects, { force: settings.forceConflicts ?? false, concurrency, namespaceExists }),
    namespaceExists ? new ReleaseStore(client, namespace, project).list() : Promise.resolve({ heads: [], unreadable: [] }),
  ]);
  const entries = await diffEntries(client, objects, dry, concurrency);
  const candidates = pruneCandidates(history.heads, new Set(objects.map((o) => refKey(o.ref))));
  const decisions = candidates.length ? await decidePrune(client, candidates, project, concurrency) : [];
  return {
    project,
    namespace,
    context: client.target.context,
    namespaceExists,
    entries,
    prune: decisions.filter((d) => d.decision === 'prune').map((d) => d.ref),
  };
}
