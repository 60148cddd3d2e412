// The read-only plan behind `deploy --dry-run` and `diff`: validate and dry-run,
// then compare with the live objects. No lock, no writes.
import type { KubeClient } from '../kube/client.js';
import { refKey, type ObjectRef } from '../kube/objects.js';
import type { Logger } from '../output/logger.js';
import { DEFAULT_CONCURRENCY } from './defaults.js';
import { namespaceRef, prepare, type DeploySettings, type ManifestInput, type PreparePolicy } from './deploy.js';
import { maskChangedValues } from './diff.js';
import { diffEntries, liveState, ownershipError, ownershipProblems, serverDryRun, type DiffEntry } from './dry-run.js';
import { decidePrune, pruneCandidates } from './prune.js';
import { ReleaseStore } from './release-store.js';

export interface PreviewReport {
  project: string;
  namespace: string;
  context: string;
  namespaceExists: boolean;
  entries: DiffEntry[];
  /** Objects --prune would delete. */
  prune: ObjectRef[];
}

export async function preview(client: KubeClient, manifest: ManifestInput, namespace: string, project: string, settings: Pick<DeploySettings, 'forceConflicts' | 'concurrency' | 'takeOver'>, logger: Logger, policy: PreparePolicy = {}): Promise<PreviewReport> {
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const objects = await prepare(client, manifest, namespace, project, policy);
  const namespaceExists = (await client.get(namespaceRef(namespace))) !== undefined;
  if (!namespaceExists) logger.info(`namespace ${namespace} does not exist yet: a deploy creates it; objects inside it are checked client-side only`);
  const [dry, history, live] = await Promise.all([
    serverDryRun(client, objects, { force: settings.forceConflicts ?? false, concurrency, namespaceExists }),
    namespaceExists ? new ReleaseStore(client, namespace, project).list() : Promise.resolve({ heads: [], unreadable: [] }),
    liveState(client, objects, project, namespace, concurrency),
  ]);
  // A deploy would refuse these: so does its preview.
  const taken = ownershipProblems(objects, live.foreign, settings.takeOver ?? false, logger);
  if (taken.length > 0) throw ownershipError(taken);
  const secrets = manifest.secretValues ?? [];
  const entries = (await diffEntries(client, objects, dry, concurrency)).map((e) => (e.diff ? { ...e, diff: maskChangedValues(e.diff, secrets) } : e));
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
