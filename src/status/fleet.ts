// The fleet view: environments × projects. An environment served by several
// clusters should run the same thing on each (the Jenkins steps deploy to all of
// them in parallel): the same images and the same commit. Revision numbers are per
// cluster and are not compared. Pure.
import type { EnvironmentRoute } from '../fleet/load.js';
import type { ClusterStatus, EnvironmentCell, EnvironmentProject, EnvironmentStatus, ReleaseStatus } from './schema.js';

function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 12) : '(none)';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Images a cell runs: the live workloads' when there are any, else the release's. */
export function runningImages(r: ReleaseStatus): string[] {
  return r.images.live.length > 0 ? r.images.live : (r.images.release ?? []);
}

function cellOf(cluster: string, release: ReleaseStatus | undefined, status: ClusterStatus | undefined): EnvironmentCell {
  if (release) {
    return {
      cluster,
      presence: 'deployed',
      revision: release.revision,
      outcome: release.outcome,
      images: runningImages(release),
      ...(release.commit && { commit: release.commit }),
      health: release.health.state,
      drifted: release.drift.drifted,
    };
  }
  return { cluster, presence: !status || !status.reachable || status.error ? 'unreachable' : 'absent' };
}

/** Why the cells of one row differ, one line each; empty when in sync. */
export function differences(cells: readonly EnvironmentCell[]): string[] {
  const out: string[] = [];
  const deployed = cells.filter((c) => c.presence === 'deployed');
  const absent = cells.filter((c) => c.presence === 'absent');
  if (absent.length > 0 && deployed.length > 0) out.push(`not deployed on ${absent.map((c) => c.cluster).join(', ')}`);
  const images = deployed.map((c) => c.images ?? []);
  if (images.some((i) => !sameList(i, images[0]!))) {
    out.push(`images differ: ${deployed.map((c) => `${c.cluster} ${(c.images ?? []).join(' ') || '(none)'}`).join('; ')}`);
  }
  const commits = deployed.filter((c) => c.commit !== undefined);
  if (commits.some((c) => c.commit !== commits[0]!.commit)) {
    out.push(`commits differ: ${commits.map((c) => `${c.cluster} ${shortCommit(c.commit)}`).join('; ')}`);
  }
  return out;
}

export function fleetView(clusters: readonly ClusterStatus[], releases: readonly ReleaseStatus[], routes: readonly EnvironmentRoute[]): EnvironmentStatus[] {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const envs: { name: string | null; clusters: string[]; protected: boolean }[] = [];
  for (const route of routes) {
    const read = route.clusters.filter((c) => byName.has(c));
    if (read.length > 0) envs.push({ name: route.name, clusters: read, protected: route.protected });
  }
  // Environments the fleet does not name (releases recorded them), and releases of no known environment.
  const extra = new Map<string | null, Set<string>>();
  for (const r of releases) {
    if (r.environment !== null && envs.some((e) => e.name === r.environment)) continue;
    const set = extra.get(r.environment) ?? new Set<string>();
    set.add(r.cluster);
    extra.set(r.environment, set);
  }
  const extraNames = [...extra.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
  for (const name of extraNames) envs.push({ name, clusters: [...extra.get(name)!].sort(), protected: false });

  return envs.map((env) => {
    const mine = releases.filter((r) => r.environment === env.name && env.clusters.includes(r.cluster));
    const rows = new Map<string, { project: string; namespace: string }>();
    for (const r of mine) rows.set(`${r.project}\u0000${r.namespace}`, { project: r.project, namespace: r.namespace });
    const projects: EnvironmentProject[] = [...rows.values()]
      .sort((a, b) => a.project.localeCompare(b.project) || a.namespace.localeCompare(b.namespace))
      .map(({ project, namespace }) => {
        const cells = env.clusters.map((cluster) => cellOf(cluster, mine.find((r) => r.cluster === cluster && r.project === project && r.namespace === namespace), byName.get(cluster)));
        const unknown = cells.some((c) => c.presence === 'unreachable');
        // Releases of no known environment are not expected to match each other.
        const diff = env.name === null ? [] : differences(cells);
        return {
          project,
          namespace,
          inSync: env.name === null || unknown ? null : diff.length === 0,
          differences: diff,
          failing: cells.some((c) => c.health === 'failing'),
          drifted: cells.some((c) => c.drifted === true),
          cells,
        };
      });
    return { name: env.name, clusters: env.clusters, protected: env.protected, projects };
  });
}
