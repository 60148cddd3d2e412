// --prune: delete what earlier revisions of this project applied and the new
// manifest no longer has, but only if the live object still carries this
// project's label. Nothing else is ever deleted: not objects another tool or
// project owns, not unlabelled objects, not anything never recorded in a release.

import { apiMessage } from '../kube/api-error.js';
import { type KubeClient } from '../kube/client.js';
import { LABEL_PROJECT, describeRef, refKey, type KubeObject, type ObjectRef } from '../kube/objects.js';
import { deleteTiers } from './order.js';
import { mapSettled } from '../kube/pool.js';
import type { ReleaseHead } from './release.js';

/**
 * Objects recorded by retained revisions (all of them, so that a failed or
 * interrupted deploy cannot hide an object from pruning) that `current` lacks.
 * Pure; newest record of each object wins (its apiVersion is the one to use).
 */
export function pruneCandidates(previous: readonly ReleaseHead[], currentKeys: ReadonlySet<string>): ObjectRef[] {
  const out = new Map<string, ObjectRef>();
  const newestFirst = [...previous].sort((a, b) => b.info.revision - a.info.revision);
  for (const head of newestFirst) {
    for (const ref of head.info.objects ?? []) {
      const key = refKey(ref);
      if (!currentKeys.has(key) && !out.has(key)) out.set(key, ref);
    }
  }
  return [...out.values()];
}

export interface PruneDecision {
  ref: ObjectRef;
  /** 'prune': labelled for this project and will be (or was) deleted. */
  decision: 'prune' | 'gone' | 'not-ours';
  live?: KubeObject;
}

/** Looks at each candidate's live object. */
export async function decidePrune(client: KubeClient, candidates: readonly ObjectRef[], project: string, concurrency: number): Promise<PruneDecision[]> {
  const settled = await mapSettled(candidates, concurrency, async (ref): Promise<PruneDecision> => {
    let live: KubeObject | undefined;
    try {
      live = await client.get(ref);
    } catch (error) {
      // A kind the cluster no longer serves (or we may not read) cannot be pruned safely.
      return { ref, decision: 'not-ours' };
    }
    if (!live) return { ref, decision: 'gone' };
    return { ref, decision: live.metadata.labels?.[LABEL_PROJECT] === project ? 'prune' : 'not-ours', live };
  });
  return settled.map((s, i) => (s.ok ? s.value : { ref: candidates[i]!, decision: 'not-ours' }));
}

export interface PruneFailure {
  ref: ObjectRef;
  message: string;
}

/** Deletes the 'prune' decisions, dependents first; each delete is conditional on the uid seen. */
export async function executePrune(client: KubeClient, decisions: readonly PruneDecision[], concurrency: number, onDeleted: (ref: ObjectRef) => void): Promise<PruneFailure[]> {
  const failures: PruneFailure[] = [];
  const toDelete = decisions.filter((d) => d.decision === 'prune');
  for (const tier of deleteTiers(toDelete, (d) => d.ref.kind)) {
    const settled = await mapSettled(tier, concurrency, (d) => client.delete(d.ref, { preconditions: { uid: d.live?.metadata.uid } }));
    settled.forEach((s, i) => {
      const d = tier[i]!;
      if (s.ok) onDeleted(d.ref);
      else failures.push({ ref: d.ref, message: `${describeRef(d.ref)}: ${apiMessage(s.error)}` });
    });
  }
  return failures;
}
