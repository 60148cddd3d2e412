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

/** Short names for the summary line, by the start of a reason. */
const CATEGORIES: readonly [string, string][] = [
  ['created by ', 'made by controllers'],
  ['cluster CA bundle', 'made by the cluster'],
  ['default ServiceAccount', 'made by the cluster'],
  ['service-account token', 'service-account tokens'],
  ['Secret (use --include-secrets)', 'Secrets (add --include-secrets)'],
  ['claim of StatefulSet', 'StatefulSet claims'],
  ['finished Job', 'finished Jobs'],
  ['failed Job', 'finished Jobs'],
  ['Eastern release record', 'Eastern records'],
  ['being deleted', 'being deleted'],
  ['mirror pod', 'mirror pods'],
];

/** `4 made by controllers, 2 made by the cluster, 1 Secrets (add --include-secrets)`: for the summary line. */
export function summarizeSkipped(skipped: readonly SkippedObject[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) {
    const category = CATEGORIES.find(([prefix]) => s.reason.startsWith(prefix))?.[1] ?? s.reason;
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return [...counts.entries()].map(([category, n]) => `${n} ${category}`).join(', ');
}
