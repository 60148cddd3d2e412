// The server-side dry run: every object is sent with dryRun=All before anything is
// written, and every rejection is collected, so one run shows all problems.

import { ValidationError } from '../errors.js';
import { apiMessage } from '../kube/api-error.js';
import { type KubeClient, type KubeResponse } from '../kube/client.js';
import { diffObjects, type ObjectDiff } from './diff.js';
import { LABEL_PROJECT, deepEqual, describeRef, refKey, type KubeObject } from '../kube/objects.js';
import type { Logger } from '../output/logger.js';
import { maskValues, secretDataValues } from '../secrets/masking.js';
import type { PlannedObject } from './plan.js';
import { mapSettled } from '../kube/pool.js';
import { statusOf } from '../kube/api-error.js';

export interface DryRunOutcome {
  /** By object key: the server's answer (201 = would be created). */
  results: Map<string, KubeResponse<KubeObject>>;
  /** Objects the server could not check (namespace or CRD not there yet). */
  unchecked: PlannedObject[];
}

export interface Rejection {
  planned: PlannedObject;
  message: string;
  conflict: boolean;
}

export async function serverDryRun(
  client: KubeClient,
  objects: readonly PlannedObject[],
  options: { force?: boolean; concurrency: number; namespaceExists: boolean },
): Promise<DryRunOutcome> {
  const checkable = objects.filter((o) => !o.viaCrd && (options.namespaceExists || !o.resource.namespaced));
  const unchecked = objects.filter((o) => !checkable.includes(o));
  const settled = await mapSettled(checkable, options.concurrency, (o) => client.apply(o.object, { dryRun: true, force: options.force ?? false }));
  const results = new Map<string, KubeResponse<KubeObject>>();
  const rejections: Rejection[] = [];
  settled.forEach((r, i) => {
    const planned = checkable[i]!;
    if (r.ok) results.set(planned.key, r.value);
    else rejections.push({ planned, message: objectMessage(planned, r.error), conflict: statusOf(r.error) === 409 });
  });
  if (rejections.length > 0) throw rejectionError(rejections, objects.length);
  return { results, unchecked };
}

/** The API's message about one object; a Secret's values are masked (the server may quote them back). */
export function objectMessage(planned: PlannedObject, error: unknown): string {
  return maskValues(apiMessage(error), secretDataValues(planned.object));
}

export function rejectionError(rejections: readonly Rejection[], total: number): ValidationError {
  const problems = rejections.map((r) => `${r.planned.location}: ${describeRef(r.planned.object)}: ${r.message}`);
  const conflicts = rejections.some((r) => r.conflict);
  return new ValidationError(`the API server rejected ${rejections.length} of ${total} objects in the dry run; nothing was applied`, {
    problems,
    fix: conflicts
      ? 'fields owned by another tool (e.g. kubectl) conflict: remove them from the template, or pass --force-conflicts to take them over'
      : 'fix the objects at the template lines above and deploy again',
  });
}

/** What lives in the cluster under the manifest's kinds and names. */
export interface LiveState {
  /** This project's live objects, by key. */
  own: Map<string, KubeObject>;
  /** Objects of the manifest that another Eastern project owns, by key: the owner's project name. */
  foreign: Map<string, string>;
}

/**
 * Eastern's live objects of every kind the manifest has: one LIST per kind (label
 * `eastern.io/project` present) instead of one GET per object, split into this
 * project's and other projects' objects of the same names.
 */
export async function liveState(client: KubeClient, objects: readonly PlannedObject[], project: string, namespace: string, concurrency: number): Promise<LiveState> {
  const kinds = new Map<string, { apiVersion: string; kind: string; namespaced: boolean }>();
  for (const o of objects) {
    if (o.viaCrd) continue;
    kinds.set(`${o.object.apiVersion}|${o.object.kind}`, { apiVersion: o.object.apiVersion, kind: o.object.kind, namespaced: o.resource.namespaced });
  }
  const wanted = new Set(objects.map((o) => o.key));
  const lists = await mapSettled([...kinds.values()], concurrency, (k) =>
    client.list(k.apiVersion, k.kind, { ...(k.namespaced && { namespace }), labelSelector: LABEL_PROJECT }),
  );
  const own = new Map<string, KubeObject>();
  const foreign = new Map<string, string>();
  for (const l of lists) {
    // A kind we may not list (RBAC) just means no shortcut: the apply still runs.
    if (!l.ok) continue;
    for (const item of l.value.items) {
      const key = refKey({ apiVersion: item.apiVersion, kind: item.kind, namespace: item.metadata.namespace, name: item.metadata.name });
      const owner = item.metadata.labels?.[LABEL_PROJECT];
      if (owner === project) own.set(key, item);
      else if (owner && wanted.has(key)) foreign.set(key, owner);
    }
  }
  return { own, foreign };
}

/**
 * Objects of the manifest that belong to another project: problems naming the
 * template line and the owner, unless taking them over was asked for (then the
 * log says which were taken).
 */
export function ownershipProblems(objects: readonly PlannedObject[], foreign: ReadonlyMap<string, string>, takeOver: boolean, logger: Logger): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const owner = foreign.get(o.key);
    if (owner === undefined) continue;
    if (takeOver) logger.warn(`${describeRef(o.object)}: taken over from project ${owner} (--take-over)`);
    else problems.push(`${o.location}: ${describeRef(o.object)} belongs to project ${owner} (label ${LABEL_PROJECT}=${owner})`);
  }
  return problems;
}

export function ownershipError(problems: readonly string[]): ValidationError {
  return new ValidationError(`${problems.length} ${problems.length === 1 ? 'object belongs' : 'objects belong'} to another project; nothing was applied`, {
    problems: [...problems],
    fix: 'rename the object in this template, or remove it from the other project first (deploy it without the object, with --prune); to move it to this project on purpose, deploy with --take-over',
  });
}

/** True when the dry-run result is exactly the live object: applying would change nothing. */
export function unchangedByDryRun(live: KubeObject | undefined, dry: KubeResponse<KubeObject> | undefined): boolean {
  return live !== undefined && dry !== undefined && dry.status === 200 && deepEqual(live, dry.body);
}

export type PlannedAction = 'create' | 'change' | 'unchanged';

export interface DiffEntry {
  planned: PlannedObject;
  action: PlannedAction;
  diff?: ObjectDiff;
  /** False when the server could not dry-run it (namespace or CRD created by this deploy). */
  checked: boolean;
}

/** What a deploy would do to each object: GETs the live objects the dry run found existing. */
export async function diffEntries(client: KubeClient, objects: readonly PlannedObject[], dry: DryRunOutcome, concurrency: number): Promise<DiffEntry[]> {
  const settled = await mapSettled(objects, concurrency, async (planned): Promise<DiffEntry> => {
    const result = dry.results.get(planned.key);
    if (!result) return { planned, action: 'create', checked: false };
    if (result.status === 201) return { planned, action: 'create', checked: true };
    const live = await client.get(planned.ref);
    if (!live) return { planned, action: 'create', checked: true };
    const diff = diffObjects(live, result.body);
    const changed = diff.changes.length > 0 || (diff.secretKeysChanged ?? 0) > 0;
    return { planned, action: changed ? 'change' : 'unchanged', diff, checked: true };
  });
  return settled.map((s, i) => {
    if (s.ok) return s.value;
    throw new ValidationError(`could not read the live ${describeRef(objects[i]!.object)}: ${apiMessage(s.error)}`);
  });
}
