// Every chosen cluster read in parallel, each within its own time limit, and the
// reads put together into one StatusReport (with the fleet view). A cluster that
// does not answer in time is reported unreachable; the others are not held up.
import { KubeClient } from '../kube/client.js';
import { apiMessage } from '../kube/api-error.js';
import type { Logger } from '../output/logger.js';
import type { ClusterSource, Selection } from './clusters.js';
import { fleetView } from './fleet.js';
import type { ManifestCache } from './manifests.js';
import { readCluster, UnreachableError, type ClusterRead } from './read.js';
import { STATUS_SCHEMA, type StatusReport } from './schema.js';

export interface CollectOptions {
  namespace?: string;
  project?: string;
  /** Per cluster, for the whole read. */
  timeoutMs: number;
  manifests: ManifestCache;
  logger?: Logger;
  now?: () => number;
}

/** A client for status reads: short request timeout, one quick retry. */
export function statusClient(source: ClusterSource, timeoutMs: number, logger?: Logger): Promise<KubeClient> | undefined {
  if (!source.target) return undefined;
  return KubeClient.connect(source.target, { timeoutMs, retry: { attempts: 2, baseMs: 200, maxMs: 1000 }, ...(logger && { logger }) });
}

export function failedRead(source: ClusterSource, error: string, reachable: boolean, startedAt: number, now: number): ClusterRead {
  return {
    cluster: {
      name: source.name,
      context: source.context,
      server: source.target?.server ?? '',
      agent: source.agent?.name ?? null,
      environments: source.environments,
      reachable,
      error,
      readAt: new Date(startedAt).toISOString(),
      durationMs: Math.round(now - startedAt),
      releases: 0,
    },
    releases: [],
    unreadable: [],
    related: new Map(),
    heads: new Map(),
  };
}

/** One cluster, never throwing: an unreachable or refusing cluster comes back as such. */
export async function readOne(client: KubeClient | undefined, source: ClusterSource, options: CollectOptions): Promise<ClusterRead> {
  const now = options.now ?? Date.now;
  const started = now();
  if (!client) return failedRead(source, source.unavailable ?? 'no kubeconfig context for this cluster', false, started, now());
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), options.timeoutMs); });
  try {
    const result = await Promise.race([readCluster(client, source, { ...options, now }), deadline]);
    if (result === 'timeout') return failedRead(source, `no answer within ${options.timeoutMs / 1000} s from ${client.target.server}`, false, started, now());
    return result;
  } catch (error) {
    return failedRead(source, apiMessage(error), !(error instanceof UnreachableError), started, now());
  } finally {
    clearTimeout(timer);
  }
}

export function assembleReport(selection: Selection, reads: readonly ClusterRead[], filter: { project?: string; namespace?: string }, generatedAt: Date): StatusReport {
  const clusters = reads.map((r) => r.cluster);
  const releases = reads.flatMap((r) => r.releases);
  return {
    schema: STATUS_SCHEMA,
    generatedAt: generatedAt.toISOString(),
    source: selection.source,
    filter: { ...(filter.project && { project: filter.project }), ...(filter.namespace && { namespace: filter.namespace }) },
    clusters,
    releases,
    unreadable: reads.flatMap((r) => r.unreadable),
    environments: fleetView(clusters, releases, selection.routes),
  };
}

/** Reads every cluster of the selection once (the CLI). */
export async function collectOnce(selection: Selection, options: CollectOptions): Promise<{ report: StatusReport; reads: ClusterRead[] }> {
  const reads = await Promise.all(selection.clusters.map(async (source) => {
    let client: KubeClient | undefined;
    try {
      client = await statusClient(source, options.timeoutMs, options.logger);
    } catch (error) {
      return failedRead(source, apiMessage(error), false, Date.now(), Date.now());
    }
    try {
      return await readOne(client, source, options);
    } finally {
      client?.close();
    }
  }));
  return { report: assembleReport(selection, reads, options, new Date((options.now ?? Date.now)())), reads };
}
