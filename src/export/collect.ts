// The effectful part of `eastern export`: discover kinds, list a namespace, and
// write the folder. Everything it decides is in select.ts, clean.ts, plan.ts, files.ts.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClusterError, ValidationError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { apiMessage } from '../kube/api-error.js';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, type KubeObject } from '../kube/objects.js';
import { mapSettled } from '../kube/pool.js';
import { statusOf } from '../kube/api-error.js';
import type { Logger } from '../output/logger.js';
import { previouslyExported, TOP_LEVEL, type ExportFile } from './files.js';
import { planExport, type ExportPlan } from './plan.js';
import { apiVersionOf } from '../kube/discovery.js';
import { selectResources, type ApiResource } from './select.js';

export interface CollectRequest {
  client: KubeClient;
  namespace: string;
  kinds?: string[];
  selector?: string;
  includeSecrets?: boolean;
  logger: Logger;
}

export interface Collected extends ExportPlan {
  resources: ApiResource[];
  /** Kinds that could not be listed (RBAC, broken aggregated API), as messages. */
  unlisted: string[];
}

/** Release records (Secrets of type eastern.io/release) and deploy locks: Eastern's, not the project's. */
export function isEasternRecord(object: KubeObject): boolean {
  const labels = object.metadata.labels ?? {};
  if ((object as Record<string, unknown>).type === 'eastern.io/release') return true;
  return labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE && ('eastern.io/release-of' in labels || 'eastern.io/lock-of' in labels);
}

export async function collect(req: CollectRequest): Promise<Collected> {
  const { client, namespace, logger } = req;
  const [served, ns] = await Promise.all([client.discovery().then((d) => d.preferred()), client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace })]);
  if (!ns) {
    throw new ClusterError(`namespace "${namespace}" does not exist in cluster ${client.target.context}`, {
      fix: `check the name (kubectl --context ${client.target.context} get namespaces) and the context (-c)`,
    });
  }
  const resources = selectResources(served, req.kinds);
  logger.debug(`listing ${resources.length} kinds: ${resources.map((r) => r.kind).join(', ')}`);
  const lists = await mapSettled(resources, 8, (r) =>
    client.list(apiVersionOf(r), r.kind, { namespace, ...(req.selector && { labelSelector: req.selector }) }),
  );
  const listed: KubeObject[] = [];
  const unlisted: string[] = [];
  lists.forEach((l, i) => {
    const r = resources[i]!;
    if (l.ok) listed.push(...l.value.items);
    else unlisted.push(`${r.kind}${r.group ? `.${r.group}` : ''}: ${apiMessage(l.error)}`);
  });
  // A selector the server rejects fails every list the same way: that is a usage problem.
  const badSelector = lists.find((l) => !l.ok && statusOf(l.error) === 400);
  if (req.selector && badSelector && !badSelector.ok) {
    throw new ValidationError(`--selector "${req.selector}" was refused: ${apiMessage(badSelector.error)}`, { fix: 'write it as kubectl does, e.g. -l app=web,tier!=db' });
  }
  if (req.kinds && unlisted.length > 0) {
    throw new ClusterError(`could not list ${unlisted.length} of the kinds asked for in ${namespace}`, { details: unlisted, fix: 'check the RBAC permissions of this kubeconfig user (list verb)' });
  }
  // Kinds named with --kinds lift the "finished Job" rule: the user asked for them.
  const namedKinds = req.kinds ? new Set(resources.map((r) => r.kind.toLowerCase())) : undefined;
  const plan = planExport(listed, { includeSecrets: req.includeSecrets ?? false, isEasternRecord, ...(namedKinds && { namedKinds }) });
  return { ...plan, resources, unlisted };
}

/**
 * Writes the files into `dir`. A folder of an earlier export (its kubernetes.yaml
 * starts with the generated marker) is refreshed: files that export wrote and no
 * longer has are removed. Any other non-empty folder is refused.
 */
export function writeExport(dir: string, files: readonly ExportFile[]): { removed: string[] } {
  const target = resolve(dir);
  const removed: string[] = [];
  if (existsSync(target)) {
    const entries = readdirSync(target);
    if (entries.length > 0) {
      const top = join(target, TOP_LEVEL);
      const previous = existsSync(top) ? previouslyExported(readFileSync(top, 'utf8')) : undefined;
      if (!previous) {
        throw new ValidationError(`--out ${dir} is not empty and does not hold an earlier export`, {
          fix: 'choose a new or empty folder (an earlier export folder is refreshed in place)',
        });
      }
      const keep = new Set(files.map((f) => f.path));
      for (const name of previous) {
        if (!keep.has(name) && existsSync(join(target, name))) {
          rmSync(join(target, name));
          removed.push(name);
        }
      }
    }
  } else {
    mkdirSync(target, { recursive: true });
  }
  for (const f of files) writeFileSync(join(target, f.path), f.contents);
  return { removed };
}
