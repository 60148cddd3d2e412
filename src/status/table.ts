// `eastern status` for people: one row per release, then the clusters that could not
// be read, unreadable records, and the fleet view per environment. Pure.
import { runningImages } from './fleet.js';
import type { EnvironmentProject, ReleaseStatus, StatusReport } from './schema.js';

/** `2026-11-24 10:01` (UTC). */
export function shortTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** `deploy-web #12` for a Jenkins build, else the deployer (user@host:pid). */
export function whoDeployed(r: Pick<ReleaseStatus, 'build' | 'deployedBy'>): string {
  if (r.build?.job && r.build.number) return `${r.build.job} #${r.build.number}`;
  return r.build?.url ?? r.deployedBy;
}

export function driftText(r: ReleaseStatus): string {
  const { drift } = r;
  if (drift.state === 'ok') return 'no';
  if (drift.entries.length === 0) return drift.problem ? `${drift.state}: ${drift.problem}` : drift.state;
  const first = drift.entries[0]!;
  const what = first.change === 'missing' ? `${first.object} missing` : `${first.object} ${first.path}`;
  const more = drift.entries.length > 1 ? ` (+${drift.entries.length - 1} more)` : '';
  return `yes: ${what}${more}`;
}

export function healthText(r: ReleaseStatus): string {
  return r.health.state === 'ready' ? 'ready' : `${r.health.state}: ${r.health.summary}`;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

function rowState(p: EnvironmentProject): string {
  const parts = [p.inSync === null ? 'sync unknown' : p.inSync ? 'in sync' : 'OUT OF SYNC'];
  if (p.failing) parts.push('FAILING');
  if (p.drifted) parts.push('DRIFTED');
  return parts.join(', ');
}

export function formatStatus(report: StatusReport): string {
  const out: string[] = [];
  if (report.releases.length > 0) {
    const header = ['CLUSTER', 'ENVIRONMENT', 'NAMESPACE', 'PROJECT', 'REV', 'OUTCOME', 'DEPLOYED (UTC)', 'BY', 'COMMIT', 'IMAGES', 'DRIFT', 'HEALTH'];
    const rows = report.releases.map((r) => [
      r.cluster, r.environment ?? '-', r.namespace, r.project, String(r.revision), r.outcome, shortTime(r.deployedAt), whoDeployed(r),
      r.commit ? r.commit.slice(0, 12) : '-', runningImages(r).join(',') || '-', driftText(r), healthText(r),
    ]);
    out.push(table([header, ...rows]));
  } else {
    out.push('no Eastern releases found\n');
  }
  const bad = report.clusters.filter((c) => c.error);
  if (bad.length > 0) {
    out.push('\n');
    for (const c of bad) out.push(`${c.name}: ${c.reachable ? 'not read' : 'UNREACHABLE'}: ${c.error}\n`);
  }
  for (const u of report.unreadable) out.push(`${u.cluster}/${u.namespace}: release record ${u.name} is unreadable: ${u.problem}\n`);
  const envs = report.environments.filter((e) => e.projects.length > 0);
  if (envs.length > 0) {
    out.push('\n');
    for (const env of envs) {
      out.push(`${env.name ?? '(no environment)'} (${env.clusters.join(', ')})${env.protected ? ' protected' : ''}\n`);
      for (const p of env.projects) {
        const cells = p.cells.map((c) => `${c.cluster} ${c.presence === 'deployed' ? `rev ${c.revision}` : c.presence}`).join(', ');
        out.push(`  ${p.project} (${p.namespace}): ${rowState(p)} [${cells}]\n`);
        for (const d of p.differences) out.push(`    ${d}\n`);
      }
    }
  }
  return out.join('');
}
