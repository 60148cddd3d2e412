// The apply path shared by deploys, rollbacks and jobs: server-side apply tier by
// tier (parallel inside a tier), a failure in a tier stops before the next one,
// and one report line per object (created / configured / unchanged).
import { ClusterError } from '../errors.js';
import type { KubeClient, KubeResponse } from '../kube/client.js';
import { describeRef, type KubeObject } from '../kube/objects.js';
import { mapSettled } from '../kube/pool.js';
import type { Logger } from '../output/logger.js';
import { diffObjects, isSecret, secretKeyCount, type ObjectDiff } from './diff.js';
import { objectMessage, unchangedByDryRun, type DryRunOutcome } from './dry-run.js';
import { applyTiers } from './order.js';
import type { PlannedObject } from './plan.js';

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

export interface ApplyContext {
  client: KubeClient;
  logger: Logger;
  concurrency: number;
  forceConflicts: boolean;
  /** Called before each tier's writes: throws when writing must stop (interrupt, lock lost). */
  beforeWrite(): void;
}

export interface Applied {
  objects: ObjectReport[];
  failures: string[];
  /** Each object as the API server holds it after this deploy (the apply's answer, or the live object it left alone). */
  after: Map<string, KubeObject>;
}

export function objectReport(p: PlannedObject, action: ObjectAction, detail?: string): ObjectReport {
  const r: ObjectReport = { apiVersion: p.object.apiVersion, kind: p.object.kind, name: p.object.metadata.name, action, source: p.location };
  if (p.object.metadata.namespace) r.namespace = p.object.metadata.namespace;
  if (detail) r.detail = detail;
  return r;
}

export function describeReport(r: ObjectReport): string {
  return `${r.action} ${r.kind}/${r.name}${r.detail ? ` (${r.detail})` : ''}`;
}

export function summaryLine(objects: readonly ObjectReport[], pruned: readonly ObjectReport[]): string {
  const count = (a: ObjectAction) => objects.filter((o) => o.action === a).length;
  return `applied ${objects.length} objects: ${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged, ${pruned.length} pruned`;
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

/**
 * created (201) / configured / unchanged. A controller may have written status
 * between dry run and apply, so resourceVersions cannot tell; the live object of
 * the project (from the LIST) compared without server bookkeeping can. An object
 * that existed but was not listed did not carry this project's label yet, so
 * applying it changed at least that.
 */
function classifyApply(p: PlannedObject, res: KubeResponse<KubeObject>, before: KubeObject | undefined): ObjectReport {
  if (res.status === 201) {
    if (!isSecret(p.object)) return objectReport(p, 'created');
    const n = secretKeyCount(res.body as Record<string, unknown>);
    return objectReport(p, 'created', `${n} ${n === 1 ? 'key' : 'keys'}`);
  }
  if (!before) return objectReport(p, 'configured', 'now labelled for this project');
  const diff = diffObjects(before, res.body);
  if (diff.changes.length === 0 && !diff.secretKeysChanged) return objectReport(p, 'unchanged');
  return objectReport(p, 'configured', changeDetail(diff));
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

/**
 * Applies every object, tier by tier. Not sent: objects in `skip` (provably
 * unchanged since the last release) and those the dry run showed unchanged.
 */
export async function applyAll(ctx: ApplyContext, objects: readonly PlannedObject[], dry: DryRunOutcome, live: ReadonlyMap<string, KubeObject>, skip: ReadonlySet<string> = new Set()): Promise<Applied> {
  const { client, logger } = ctx;
  const reports: ObjectReport[] = [];
  const failures: string[] = [];
  const after = new Map<string, KubeObject>();
  let crdsReady = !objects.some((o) => o.viaCrd);
  for (const tier of applyTiers(objects, (o) => o.object.kind)) {
    if (!crdsReady && tier.some((o) => o.viaCrd)) {
      await waitForCrds(client, objects.filter((o) => o.viaCrd), logger);
      crdsReady = true;
    }
    const sent = tier.filter((p) => !skip.has(p.key));
    if (sent.length > 0) ctx.beforeWrite();
    const settled = await mapSettled(tier, ctx.concurrency, async (p): Promise<ObjectReport> => {
      const before = live.get(p.key);
      if (skip.has(p.key) || unchangedByDryRun(before, dry.results.get(p.key))) {
        if (before) after.set(p.key, before);
        return objectReport(p, 'unchanged');
      }
      const res = await client.apply(p.object, { force: ctx.forceConflicts });
      after.set(p.key, res.body);
      return classifyApply(p, res, before);
    });
    settled.forEach((s, i) => {
      const p = tier[i]!;
      if (s.ok) {
        reports.push(s.value);
        // Left alone without a request: one summary line, not one per object.
        if (!skip.has(p.key)) logger.info(describeReport(s.value));
      } else {
        const message = objectMessage(p, s.error);
        failures.push(`${p.location}: ${describeRef(p.object)}: ${message}`);
        reports.push(objectReport(p, 'failed', message));
        logger.error(`failed ${describeRef(p.object)}: ${message}`);
      }
    });
    if (failures.length > 0) break;
  }
  if (skip.size > 0) logger.info(`unchanged since the last release (not sent): ${skip.size} ${skip.size === 1 ? 'object' : 'objects'}`);
  return { objects: reports, failures, after };
}
