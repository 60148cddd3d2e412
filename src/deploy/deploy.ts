// The deploy, as a list of phases (Krane's deploy_task shape). Read `run` and
// `release` top to bottom:
//
//   connect    the cluster answers (version)
//   validate   manifest shape, served kinds, namespaces, labels (client side + discovery)
//   check      workload policies and API deprecations at template lines (src/check); errors stop here
//   namespace  create the target namespace if it is missing
//   lock       the project's Lease in the namespace
//   read       the project's live objects (one LIST per kind) and its release history
//   dry run    every object that may change, server side; any rejection stops here,
//              nothing written. Objects provably unchanged since the last release
//              (fingerprint.ts) are neither dry-run nor applied; when that is all of
//              them, the deploy confirms the current revision instead of recording one
//   record     release revision N as pending
//   apply      server-side apply, tier by tier, parallel inside a tier
//   prune      (--prune) objects earlier revisions applied and this one lacks
//   wait       the rollout watch (src/rollout), unless --no-wait
//   outcome    revision N deployed / failed; older revisions superseded; history trimmed
//   unlock     always
//
// A rollback is the same procedure with a stored manifest; `--rollback-on-failure`
// runs `release` a second time under the same lock.

import { deployGate } from '../check/gate.js';
import type { CheckPolicy } from '../check/levels.js';
import { ClusterError, EasternError, RolloutFailedError, RolloutTimeoutError, ValidationError } from '../errors.js';
import { apiMessage, statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, describeRef, type KubeObject, type ObjectRef } from '../kube/objects.js';
import type { Logger } from '../output/logger.js';
import type { BuildInfo } from '../project/identity.js';
import type { RolloutResult, WatchTarget } from '../rollout/index.js';
import { applyAll, describeReport, objectReport, summaryLine, type Applied, type ApplyContext, type ObjectReport } from './apply.js';
import { DEFAULT_CONCURRENCY } from './defaults.js';
import { liveState, ownershipError, ownershipProblems, serverDryRun, type DryRunOutcome } from './dry-run.js';
import { desiredFingerprint, ownedFingerprint, provablyUnchanged, type Fingerprints } from './fingerprint.js';
import { DeployLock, clusterLeaseApi, type Clock } from './lock.js';
import { manifestFromText, type FormatLocation, type ManifestInput } from './manifest.js';
import { PhaseRunner } from './phases.js';
import { collectObjects, placeObjects, type PlannedObject } from './plan.js';
import { decidePrune, executePrune, pruneCandidates, type PruneDecision } from './prune.js';
import { ReleaseStore, type DamagedRecord } from './release-store.js';
import { maskVariables, nextRevision, objectSources, revisionsToKeep, rollbackTarget, type Outcome, type ReleaseHead, type ReleaseInfo } from './release.js';

export type { FormatLocation, ManifestInput };
export type { ObjectAction, ObjectReport } from './apply.js';

export interface DeploySettings {
  wait: boolean;
  /** Rollout timeout; 0 = none. */
  timeoutSeconds: number;
  prune: boolean;
  rollbackOnFailure: boolean;
  lockTimeoutSeconds: number;
  forceConflicts: boolean;
  /** Take objects over from other Eastern projects instead of refusing (--take-over). */
  takeOver?: boolean;
  historyLimit: number;
  concurrency?: number;
  /** Release record chunk size (tests use small ones). */
  chunkBytes?: number;
}

export interface PreparePolicy {
  /**
   * Namespaces this deploy may write to (the agent's allow-list). Checked before
   * any write: the target namespace, every object's namespace, and the names of
   * Namespace objects in the manifest.
   */
  namespaceAllowed?: (namespace: string) => boolean;
  /**
   * Cluster-scoped kinds (other than Namespace) this deploy may write; when given,
   * any other cluster-scoped object is refused before any write. `where` names the
   * setting in messages.
   */
  clusterScoped?: { allowed: (group: string, kind: string) => boolean; where: string };
}

export interface DeployRequest extends PreparePolicy {
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
  /** Check levels (environment, project); without them findings are only warnings (rollbacks). */
  checks?: CheckPolicy;
  settings: DeploySettings;
  logger: Logger;
  signal?: AbortSignal;
  clock?: Clock;
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
  /** Nothing changed: `revision` is the current one, confirmed, and no new revision was recorded. */
  unchanged?: boolean;
  durationMs: number;
}

/** Cluster-scoped objects the policy does not allow, as problems naming the template line. */
export function clusterScopedProblems(objects: readonly PlannedObject[], policy: NonNullable<PreparePolicy['clusterScoped']>): string[] {
  const problems: string[] = [];
  for (const p of objects) {
    const { group, kind, namespaced } = p.resource;
    if (namespaced || (group === '' && kind === 'Namespace') || policy.allowed(group, kind)) continue;
    const name = group ? `${kind}.${group}` : kind;
    problems.push(`${p.location}: ${describeRef(p.object)} is cluster-scoped, and ${name} is not in ${policy.where} (a deploy here may change only its namespaces unless a cluster-scoped kind is listed)`);
  }
  return problems;
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
  const all = [
    ...problems,
    ...placed.problems,
    ...(policy.namespaceAllowed ? namespaceProblems(placed.objects, namespace, policy.namespaceAllowed) : []),
    ...(policy.clusterScoped ? clusterScopedProblems(placed.objects, policy.clusterScoped) : []),
  ];
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

export const namespaceRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name });

/** The cluster answers at all; the version for the log. */
export async function connect(client: KubeClient): Promise<string | undefined> {
  // Discovery is what validation asks next: fetched beside /version, one round trip
  // earlier (a failure here is not reported; validation asks again and reports it).
  void client.discovery().catch(() => undefined);
  try {
    return await client.serverVersion();
  } catch (error) {
    throw new ClusterError(`cannot reach cluster ${client.target.context} (${client.target.server}): ${apiMessage(error)}`, { cause: error, fix: 'check that the cluster is up and the kubeconfig/context are right' });
  }
}

function watchTargets(objects: readonly PlannedObject[]): WatchTarget[] {
  return objects.map((p) => {
    const t: WatchTarget = { apiVersion: p.object.apiVersion, kind: p.object.kind, name: p.object.metadata.name, source: p.location };
    if (p.object.metadata.namespace) t.namespace = p.object.metadata.namespace;
    return t;
  });
}

/** The full deploy of a rendered manifest (also used by `rollback`). */
export function deploy(req: DeployRequest): Promise<DeployReport> {
  return new DeployTask(req).run();
}

class DeployTask {
  private readonly phases: PhaseRunner;
  private readonly concurrency: number;
  private readonly lock: DeployLock;
  /** Every write after the lock is taken goes through this view: it proves the lock is still ours first. */
  private readonly writer: KubeClient;
  private readonly store: ReleaseStore;
  private readonly t0 = performance.now();
  private createdNamespace = false;

  constructor(private readonly req: DeployRequest) {
    this.phases = new PhaseRunner(req.logger, req.signal);
    this.concurrency = req.settings.concurrency ?? DEFAULT_CONCURRENCY;
    this.lock = new DeployLock({ api: clusterLeaseApi(req.client, req.namespace, req.project), namespace: req.namespace, project: req.project, identity: req.deployer, logger: req.logger, ...(req.clock && { clock: req.clock }) });
    this.writer = req.client.withWriteGuard(this.lock.guard());
    this.store = new ReleaseStore(this.writer, req.namespace, req.project);
  }

  async run(): Promise<DeployReport> {
    const { req, phases } = this;
    const { client, logger, settings, namespace, project } = req;
    const version = await phases.run('connect', () => connect(client));
    const objects = await phases.run('validate', () => prepare(client, req.manifest, namespace, project, req));
    logger.info(`validated ${objects.length} objects of project ${project} against cluster ${client.target.context} (${version ?? 'unknown version'})`);
    await phases.run('check', async () => deployGate({ manifest: req.manifest, namespace, serverVersion: version, policy: req.checks, logger }));
    await phases.run('namespace', () => this.ensureNamespace());
    await phases.run('lock', () => this.lock.acquire(settings.lockTimeoutSeconds));
    logger.debug(`lock acquired: Lease eastern-lock-${project} held by ${req.deployer}`);
    phases.guard(this.lock);
    try {
      const result = await this.release(req, objects, new Date().toISOString());
      if (result.outcome === 'deployed') {
        logger.info(`revision ${result.revision} deployed in ${(result.durationMs / 1000).toFixed(1)} s`);
      } else if (settings.rollbackOnFailure) {
        await this.rollbackAfterFailure(result);
      }
      return result;
    } finally {
      await this.lock.release();
    }
  }

  /** Creates the target namespace when missing. */
  private async ensureNamespace(): Promise<void> {
    const { client, namespace, logger } = this.req;
    const existing = await client.get(namespaceRef(namespace));
    if (existing) {
      if ((existing as { status?: { phase?: string } }).status?.phase === 'Terminating') {
        throw new ClusterError(`namespace ${namespace} is being deleted`, { fix: 'wait until it is gone, then deploy again' });
      }
      return;
    }
    try {
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE } } });
    } catch (error) {
      if (statusOf(error) === 409) return;
      throw new ClusterError(`cannot create namespace ${namespace}: ${apiMessage(error)}`, { cause: error, fix: 'create it, or deploy with an account allowed to create namespaces' });
    }
    this.createdNamespace = true;
    logger.info(`namespace ${namespace} created`);
  }

  /**
   * One revision, with the lock held: dry run → record → apply → prune → wait →
   * outcome. A rollout failure returns a report (the caller decides about
   * rollback); any other failure after the record exists marks the revision
   * failed (or interrupted) and throws.
   */
  private async release(req: DeployRequest, objects: PlannedObject[], startedAt: string): Promise<DeployReport> {
    const { phases } = this;
    const state = await phases.run('read', () => this.read(objects));
    const skip = req.rollbackOf === undefined ? provablyUnchanged(objects, state.live, state.fingerprints) : new Set<string>();
    const current = state.history[0];
    const pruneLeft = req.settings.prune && pruneCandidates(state.history, new Set(objects.map((o) => o.key))).length > 0;
    if (skip.size === objects.length && current?.info.outcome === 'deployed' && !pruneLeft) {
      return phases.run('confirm', () => this.confirm(objects, current));
    }
    const dry = await phases.run('dry run', () => this.dryRun(objects.filter((o) => !skip.has(o.key))));
    const read = { ...state, dry };
    let head = await phases.run('record', () => this.record(req, objects, read.history, read.damaged, startedAt));
    const revision = head.info.revision;
    const setOutcome = async (outcome: Outcome, reason?: string, fingerprints?: Fingerprints) => {
      head = await this.store.setOutcome(head, outcome, { finishedAt: new Date().toISOString(), ...(reason && { reason }), ...(fingerprints && { fingerprints }) });
    };

    let applied: Applied;
    const pruned: ObjectReport[] = [];
    let rollout: RolloutResult | undefined;
    try {
      applied = await phases.run('apply', () => this.apply(objects, read, skip, revision));
      if (req.settings.prune) await phases.run('prune', () => this.prune(objects, read.history, revision, pruned));
      req.logger.info(summaryLine(applied.objects, pruned));
      if (req.settings.wait) rollout = await phases.run('wait', () => this.wait(objects));
    } catch (error) {
      const aborted = req.signal?.aborted === true;
      await setOutcome(aborted ? 'interrupted' : 'failed', error instanceof Error ? error.message : String(error))
        .catch((e) => req.logger.error(`could not record the outcome of revision ${revision}: ${apiMessage(e)}`));
      throw error;
    }

    const outcome: DeployReport['outcome'] = rollout === undefined || rollout.outcome === 'succeeded' ? 'deployed' : rollout.outcome === 'failed' ? 'failed' : 'timeout';
    const fingerprints = this.fingerprints(objects, applied.after, skip, state.fingerprints);
    await phases.run('outcome', async () => {
      if (outcome === 'deployed') await setOutcome('deployed', undefined, fingerprints);
      else await setOutcome('failed', rollout?.summary ?? (outcome === 'timeout' ? `rollout did not finish within ${req.settings.timeoutSeconds} s` : 'rollout failed'), fingerprints);
      // The outcome is stored; the housekeeping of older records touches disjoint records and runs side by side.
      const revisions = [...read.history.map((h) => h.info.revision), revision];
      const kept = new Set(revisionsToKeep(revisions, req.settings.historyLimit));
      await Promise.all([
        outcome === 'deployed' ? this.retireOlder(read.history.filter((h) => kept.has(h.info.revision)), revision, req.rollbackOf !== undefined) : undefined,
        this.trimHistory(revisions),
      ]);
    });
    return {
      project: req.project,
      namespace: req.namespace,
      context: req.client.target.context,
      revision,
      outcome,
      objects: applied.objects,
      pruned,
      ...(rollout && { rollout }),
      durationMs: Math.round(performance.now() - this.t0),
    };
  }

  /** The project's live objects (one LIST per kind) and its release history, in parallel; then who owns what. */
  private async read(objects: readonly PlannedObject[]) {
    const { client, logger, settings, namespace, project } = this.req;
    try {
      const [live, history] = await Promise.all([liveState(client, objects, project, namespace, this.concurrency), this.store.list()]);
      const taken = ownershipProblems(objects, live.foreign, settings.takeOver ?? false, logger);
      if (taken.length > 0) throw ownershipError(taken);
      for (const d of history.unreadable) logger.warn(`${d.error.message}; it is skipped (revision ${d.revision ?? 'unknown'} stays taken)`);
      // What the newest release that recorded it left in the cluster (an interrupted one records nothing).
      const fingerprints = history.heads.find((h) => h.info.fingerprints)?.info.fingerprints;
      return { live: live.own, history: history.heads, damaged: history.unreadable, fingerprints };
    } catch (error) {
      this.leftNamespace();
      throw error;
    }
  }

  /** A namespace this deploy created is never deleted again: another deploy may already have put objects or records into it. */
  private leftNamespace(): void {
    if (this.createdNamespace) this.req.logger.warn(`namespace ${this.req.namespace} was created by this deploy and is left in place`);
  }

  /** Every object that may change, server side, before anything is written. */
  private async dryRun(objects: readonly PlannedObject[]) {
    const { client, logger, settings } = this.req;
    let dry;
    try {
      dry = await serverDryRun(client, objects, { force: settings.forceConflicts, concurrency: this.concurrency, namespaceExists: true });
    } catch (error) {
      this.leftNamespace();
      throw error;
    }
    const n = dry.unchecked.length;
    const unchecked = n ? ` (${n} custom ${n === 1 ? 'resource' : 'resources'} of a CustomResourceDefinition in this manifest: applied without a dry run once the cluster serves ${n === 1 ? 'it' : 'them'})` : '';
    logger.info(`dry run passed: ${objects.length - n} objects accepted${unchecked}`);
    return dry;
  }

  /**
   * Nothing to change: the current revision stays current. No revision is recorded
   * (history keeps showing real changes); the current one notes that this deploy confirmed it.
   */
  private async confirm(objects: readonly PlannedObject[], current: ReleaseHead): Promise<DeployReport> {
    const { req } = this;
    const commit = await req.commit;
    await this.store.setOutcome(current, current.info.outcome, {
      confirmed: { at: new Date().toISOString(), by: req.build?.url ?? req.deployer, ...(commit && { commit }) },
    });
    req.logger.info(`unchanged: all ${objects.length} objects are as revision ${current.info.revision} left them; revision ${current.info.revision} stays current (confirmed, no new revision)`);
    return {
      project: req.project,
      namespace: req.namespace,
      context: req.client.target.context,
      revision: current.info.revision,
      outcome: 'deployed',
      objects: objects.map((o) => objectReport(o, 'unchanged')),
      pruned: [],
      unchanged: true,
      durationMs: Math.round(performance.now() - this.t0),
    };
  }

  /** What this revision leaves in the cluster, per object: applied ones from the API's answer, skipped ones as recorded before. */
  private fingerprints(objects: readonly PlannedObject[], after: ReadonlyMap<string, KubeObject>, skip: ReadonlySet<string>, last: Fingerprints | undefined): Fingerprints {
    const out: Fingerprints = {};
    for (const o of objects) {
      const carried = skip.has(o.key) ? last?.[o.key] : undefined;
      if (carried) {
        out[o.key] = carried;
        continue;
      }
      const live = after.get(o.key);
      const owned = live && ownedFingerprint(live);
      if (owned) out[o.key] = { desired: desiredFingerprint(o.object), owned };
    }
    return out;
  }

  /** Revisions left pending by a deploy that died are over (we hold the lock); then revision N as pending. */
  private async record(req: DeployRequest, objects: readonly PlannedObject[], history: ReleaseHead[], damaged: readonly DamagedRecord[], startedAt: string): Promise<ReleaseHead> {
    const { logger } = req;
    for (const h of history.filter((x) => x.info.outcome === 'pending')) {
      const updated = await this.store.setOutcome(h, 'interrupted', { reason: 'the deploy ended without recording an outcome (killed, or lost the cluster)' });
      history.splice(history.indexOf(h), 1, updated);
      logger.warn(`revision ${h.info.revision} was left pending by ${h.info.deployer}; marked interrupted`);
    }
    const revision = nextRevision(history, [...damaged.map((d) => d.revision), this.lock.lastRevision]);
    // Taken on the lease before the record exists: a crash in between cannot hand the number out twice.
    await this.lock.noteRevision(revision);
    const commit = await req.commit;
    const info: Omit<ReleaseInfo, 'manifest'> = {
      schema: 1,
      project: req.project,
      namespace: req.namespace,
      revision,
      outcome: 'pending',
      startedAt,
      deployer: req.deployer,
      context: req.client.target.context,
      easternVersion: req.easternVersion,
      variables: maskVariables(req.variables),
      objects: objects.map((o) => o.ref),
      sources: objectSources(objects, req.manifest.format),
      ...(req.build && { build: req.build }),
      ...(commit && { commit }),
      ...(req.source && { source: req.source }),
      ...(req.rollbackOf !== undefined && { rollbackOf: req.rollbackOf }),
    };
    const head = await this.store.write(info, req.manifest.text, req.settings.chunkBytes);
    logger.info(`revision ${revision} recorded as pending${req.rollbackOf !== undefined ? ` (rollback to revision ${req.rollbackOf})` : ''}`);
    return head;
  }

  private async apply(objects: readonly PlannedObject[], read: { dry: DryRunOutcome; live: ReadonlyMap<string, KubeObject> }, skip: ReadonlySet<string>, revision: number): Promise<Applied> {
    const { logger, settings } = this.req;
    const ctx: ApplyContext = { client: this.writer, logger, concurrency: this.concurrency, forceConflicts: settings.forceConflicts, beforeWrite: () => this.phases.check() };
    const applied = await applyAll(ctx, objects, read.dry, read.live, skip);
    if (applied.failures.length > 0) {
      throw new ClusterError(`${applied.failures.length} ${applied.failures.length === 1 ? 'object' : 'objects'} could not be applied after a successful dry run; revision ${revision} is marked failed`, {
        details: applied.failures,
        fix: 'fix the cause above and deploy again (objects applied before the failure keep their new state)',
      });
    }
    return applied;
  }

  private async prune(objects: readonly PlannedObject[], history: readonly ReleaseHead[], revision: number, pruned: ObjectReport[]): Promise<void> {
    const { client, logger, project } = this.req;
    const candidates = pruneCandidates(history, new Set(objects.map((o) => o.key)));
    if (candidates.length === 0) return;
    const decisions = await decidePrune(client, candidates, project, this.concurrency);
    logKept(decisions, project, logger);
    this.phases.check();
    const failures = await executePrune(this.writer, decisions, this.concurrency, (ref) => {
      const r: ObjectReport = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, action: 'pruned', ...(ref.namespace && { namespace: ref.namespace }) };
      pruned.push(r);
      logger.info(describeReport(r));
    });
    if (failures.length > 0) {
      throw new ClusterError(`${failures.length} objects could not be pruned; revision ${revision} is marked failed`, { details: failures.map((f) => f.message), fix: 'check the permissions and finalizers of those objects, then deploy again' });
    }
  }

  private async wait(objects: readonly PlannedObject[]): Promise<RolloutResult> {
    const { client, logger, settings, signal } = this.req;
    // Loaded only when waiting: --no-wait and --dry-run never load the watcher.
    const { watchRollout } = await import('../rollout/index.js');
    const signals = [signal, this.lock.signal].filter((s): s is AbortSignal => s !== undefined);
    return watchRollout({ api: client, targets: watchTargets(objects), defaultNamespace: this.req.namespace, timeoutSeconds: settings.timeoutSeconds, logger, signal: AbortSignal.any(signals) });
  }

  /** Older `deployed` revisions become superseded; the one a rollback replaces becomes rolled-back. */
  private async retireOlder(history: readonly ReleaseHead[], revision: number, isRollback: boolean): Promise<void> {
    const older = history.filter((h) => h.info.revision < revision).sort((a, b) => b.info.revision - a.info.revision);
    const replaced = older[0];
    const updates: Promise<unknown>[] = [];
    for (const h of older) {
      if (isRollback && h === replaced && (h.info.outcome === 'deployed' || h.info.outcome === 'failed')) updates.push(this.store.setOutcome(h, 'rolled-back', h.info.reason ? { reason: h.info.reason } : {}));
      else if (h.info.outcome === 'deployed') updates.push(this.store.setOutcome(h, 'superseded'));
    }
    for (const s of await Promise.allSettled(updates)) if (s.status === 'rejected') this.req.logger.warn(`could not update an older release record: ${apiMessage(s.reason)}`);
  }

  private async trimHistory(revisions: number[]): Promise<void> {
    if (new Set(revisions).size <= this.req.settings.historyLimit) return;
    try {
      await this.store.prune(revisionsToKeep(revisions, this.req.settings.historyLimit));
    } catch (error) {
      this.req.logger.warn(`could not delete old release records: ${apiMessage(error)}`);
    }
  }

  /** --rollback-on-failure: re-apply the newest good revision before the failed one, as a new revision, and wait for it. */
  private async rollbackAfterFailure(failed: DeployReport): Promise<void> {
    const { req } = this;
    const { heads } = await this.store.list();
    const target = rollbackTarget(heads.filter((h) => h.info.revision <= failed.revision));
    if (!target) {
      req.logger.warn(`no earlier good revision of ${req.project} to roll back to; leaving revision ${failed.revision} in place`);
      return;
    }
    req.logger.info(`rolling back to revision ${target.info.revision}`);
    try {
      const manifest = await revisionManifest(this.store, target);
      const rollbackReq: DeployRequest = { ...req, manifest, variables: target.info.variables, source: `revision ${target.info.revision}`, rollbackOf: target.info.revision, ...(target.info.commit !== undefined && { commit: target.info.commit }) };
      const objects = await prepare(req.client, manifest, req.namespace, req.project, req);
      this.createdNamespace = false;
      const again = await this.release(rollbackReq, objects, new Date().toISOString());
      failed.rollback = { revision: again.revision, of: target.info.revision, outcome: again.outcome };
      req.logger.info(`rollback to revision ${target.info.revision} ${again.outcome === 'deployed' ? 'succeeded' : 'did not succeed'} (revision ${again.revision})`);
    } catch (error) {
      req.logger.error(`rollback to revision ${target.info.revision} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function logKept(decisions: readonly PruneDecision[], project: string, logger: Logger) {
  for (const d of decisions) {
    if (d.decision === 'not-ours') logger.info(`kept ${describeRef(d.ref)}: no longer in the manifest, but it no longer carries eastern.io/project=${project}`);
  }
}

/** A stored revision as deploy input; locations read "revision N:line". */
export async function revisionManifest(store: ReleaseStore, head: ReleaseHead): Promise<ManifestInput> {
  return manifestFromText(await store.manifest(head.info), `revision ${head.info.revision}`, '/');
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
