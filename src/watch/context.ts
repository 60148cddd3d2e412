// What a message says beyond the finding: the failing container's last log lines
// (with the values of the Secrets the pod reads masked) and the changes made to the
// workload outside Eastern since its release. Each read is best effort: a message
// without a log is better than no message.
import { isControllerEntry, isEasternManager } from '../drift/compute.js';
import { managedFieldsOf, ownedPaths } from '../drift/managed-fields.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/objects.js';
import { maskValues, secretDataValues } from '../secrets/masking.js';
import type { WorkloadRef } from './owners.js';

export const LOG_LINES = 5;

interface PodSpecLike {
  containers?: { env?: { valueFrom?: { secretKeyRef?: { name?: string } } }[]; envFrom?: { secretRef?: { name?: string } }[] }[];
  initContainers?: PodSpecLike['containers'];
  volumes?: { secret?: { secretName?: string } }[];
}

/** Names of the Secrets a pod reads (env, envFrom, volumes): their values may show up in its log. */
export function secretsReadBy(spec: PodSpecLike | undefined): string[] {
  const names = new Set<string>();
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
  }
  for (const v of spec?.volumes ?? []) if (v.secret?.secretName) names.add(v.secret.secretName);
  return [...names];
}

/** The last lines of a container's log, Secret values masked; undefined when it cannot be read. */
export async function logTail(client: KubeClient, namespace: string, pod: string, container: string, previous: boolean): Promise<string[] | undefined> {
  try {
    const full = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod });
    const secrets = await Promise.all(secretsReadBy(full?.spec as PodSpecLike).map((name) => client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name }).catch(() => undefined)));
    const values = secrets.flatMap((s) => (s ? secretDataValues(s) : []));
    let text = await client.podLog(namespace, pod, container, { previous, tailLines: LOG_LINES }).catch(() => '');
    if (!text && previous) text = await client.podLog(namespace, pod, container, { tailLines: LOG_LINES });
    const lines = text.split('\n').filter((l) => l.trim() !== '').slice(-LOG_LINES);
    return lines.map((l) => maskValues(l, values));
  } catch {
    return undefined;
  }
}

/** Fields someone other than Eastern and the controllers set after `since`: "spec.replicas (kubectl, 10:02:03)". */
export function outsideChanges(object: KubeObject, since: number, limit = 5): string[] {
  const out: string[] = [];
  for (const entry of managedFieldsOf(object)) {
    if (isEasternManager(entry.manager) || isControllerEntry(entry)) continue;
    // managedFields times have whole seconds: an edit in the second the release ended counts.
    const at = entry.time ? Date.parse(entry.time) : NaN;
    if (!(at >= Math.floor(since / 1000) * 1000)) continue;
    const paths = ownedPaths(entry.fieldsV1).map((p) => p.path).filter((p) => !p.startsWith('metadata.annotations["kubectl.kubernetes.io/last-applied'));
    if (paths.length === 0) continue;
    const shown = paths.slice(0, limit);
    out.push(`${shown.join(', ')}${paths.length > shown.length ? ` and ${paths.length - shown.length} more` : ''} by ${entry.manager ?? 'unknown'}${entry.subresource ? ` (${entry.subresource})` : ''} at ${entry.time}`);
  }
  return out.slice(0, limit);
}

export async function driftOf(client: KubeClient, workload: WorkloadRef, since: number): Promise<string[] | undefined> {
  if (!workload.apiVersion || !workload.namespace) return undefined;
  try {
    const live = await client.get({ apiVersion: workload.apiVersion, kind: workload.kind, namespace: workload.namespace, name: workload.name });
    return live ? outsideChanges(live, since) : undefined;
  } catch {
    return undefined;
  }
}
