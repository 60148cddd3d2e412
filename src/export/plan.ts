// From everything listed in a namespace to the objects an export writes: skip
// rules first (they need the whole listing: StatefulSet claims, HPA targets), then
// cleaning. Pure.
import { groupOf, type KubeObject } from '../kube/objects.js';
import { cleanObject } from './clean.js';
import { autoscaledTargets, skipReason, statefulSetClaimNames, type SkipContext } from './select.js';

export interface SkippedObject {
  /** `replicaset/web-5d8f9c7b6d` */
  object: string;
  reason: string;
}

export interface ExportPlan {
  objects: KubeObject[];
  skipped: SkippedObject[];
}

export interface PlanOptions {
  includeSecrets?: boolean;
  namedKinds?: ReadonlySet<string>;
  isEasternRecord?: (object: KubeObject) => boolean;
}

export function planExport(listed: readonly KubeObject[], options: PlanOptions = {}): ExportPlan {
  const claims = listed.filter((o) => o.kind === 'PersistentVolumeClaim' && groupOf(o.apiVersion) === '');
  const context: SkipContext = {
    includeSecrets: options.includeSecrets ?? false,
    statefulSetClaims: statefulSetClaimNames(listed, claims),
  };
  if (options.namedKinds) context.namedKinds = options.namedKinds;
  if (options.isEasternRecord) context.isEasternRecord = options.isEasternRecord;
  const kept: KubeObject[] = [];
  const skipped: SkippedObject[] = [];
  for (const o of listed) {
    const reason = skipReason(o, context);
    if (reason) skipped.push({ object: `${o.kind.toLowerCase()}/${o.metadata.name}`, reason });
    else kept.push(o);
  }
  const autoscaled = autoscaledTargets(kept);
  return { objects: kept.map((o) => cleanObject(o, { autoscaled })), skipped };
}

/** `3 created by controllers, 1 Secret (use --include-secrets)`: reasons counted, for the summary line. */
export function summarizeSkipped(skipped: readonly SkippedObject[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) {
    const reason = s.reason.startsWith('created by ') ? 'created by controllers' : s.reason;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()].map(([reason, n]) => `${n} ${reason}`).join(', ');
}
