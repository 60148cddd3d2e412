// `eastern upgrade-check --to 1.33` / `--to-context C2` [--all-contexts] [NAMESPACE...]:
// goes through the newest release of every Eastern project in a cluster (or every
// cluster of the kubeconfig) and lists the objects whose apiVersion the target
// Kubernetes version no longer serves (or has deprecated), with the template line
// each came from (recorded in the release). With --to-context the target's real
// discovery decides what is served; with --to, the removals table.
import { parseVersion } from '../check/api-lifecycle.js';
import { checkObjects } from '../check/objects.js';
import { documentLocator } from '../check/positions.js';
import { runChecks } from '../check/run.js';
import type { Finding, KubernetesVersion } from '../check/types.js';
import { manifestFromText } from '../deploy/manifest.js';
import { ReleaseStore } from '../deploy/release-store.js';
import type { ReleaseHead } from '../deploy/release.js';
import { baselineHead, releasedProjects } from '../drift/project.js';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import type { ClusterOptions } from '../kube/session.js';
import { groupOf, refKey } from '../kube/objects.js';
import { createLogger, processIo, type Io } from '../output/logger.js';

export interface UpgradeCheckOptions extends Omit<ClusterOptions, 'cluster'> {
  io?: Io;
  namespaces?: string[];
  output?: 'text' | 'json';
  /** Target Kubernetes version, e.g. 1.33. */
  to?: string;
  /** A cluster already on the target version: its discovery decides. */
  toContext?: string;
  /** Every context of the kubeconfig (except --to-context). */
  allContexts?: boolean;
}

export interface UpgradeFinding {
  namespace: string;
  project: string;
  revision: number;
  /** Template location recorded with the release, else the line of the stored manifest. */
  source: string;
  finding: Finding;
}

interface ContextReport {
  context: string;
  version?: string;
  error?: string;
  projects: number;
  findings: UpgradeFinding[];
}

interface Target {
  label: string;
  kubernetes?: KubernetesVersion;
  client?: KubeClient;
}

/** The template location of an object, from the release's `sources` (namespaced or cluster-scoped key). */
function sourceOf(head: ReleaseHead, f: Finding, fallback: string): string {
  const sources = head.info.sources ?? {};
  const ref = { apiVersion: f.object.apiVersion, kind: f.object.kind, name: f.object.name };
  return sources[refKey({ ...ref, namespace: f.object.namespace })] ?? sources[refKey(ref)] ?? fallback;
}

async function checkContext(context: string, target: Target, options: UpgradeCheckOptions, io: Io): Promise<ContextReport> {
  const { openSession, clusterError } = await import('../kube/session.js');
  const namespaces = [...new Set(options.namespaces ?? [])];
  const { client, logger } = await openSession({ ...options, context }, io, namespaces.length ? namespaces.join(',') : '*');
  const report: ContextReport = { context, projects: 0, findings: [] };
  try {
    const version = await client.serverVersion();
    if (version) report.version = version;
    const projects = namespaces.length ? (await Promise.all(namespaces.map((ns) => releasedProjects(client, ns)))).flat() : await releasedProjects(client);
    const discovery = target.client ? await target.client.discovery() : undefined;
    for (const p of projects) {
      const head = baselineHead(p.heads);
      if (!head) continue;
      report.projects++;
      const label = `${p.namespace}/${p.project} revision ${head.info.revision}`;
      const manifest = manifestFromText(await new ReleaseStore(client, p.namespace, p.project).manifest(head.info), label, options.cwd);
      const objects = checkObjects(manifest.documents, p.namespace);
      let served: Set<string> | undefined;
      if (discovery) {
        served = new Set<string>();
        for (const o of objects) if (await discovery.resolve(o.object.apiVersion, o.object.kind)) served.add(`${o.object.apiVersion}|${o.object.kind}`);
      }
      const s = served;
      const result = runChecks({
        objects,
        locate: documentLocator(manifest.documents),
        only: ['removed-api', 'deprecated-api'],
        targetName: target.label,
        ...(target.kubernetes && { kubernetes: target.kubernetes }),
        ...(s && { serves: (apiVersion: string, kind: string) => s.has(`${apiVersion}|${kind}`) }),
      });
      for (const f of result.findings) {
        report.findings.push({ namespace: p.namespace, project: p.project, revision: head.info.revision, source: sourceOf(head, f, `${label}, line ${f.location.line} of the stored manifest`), finding: f });
      }
    }
    logger.debug(`${report.projects} released projects checked`);
  } catch (error) {
    throw clusterError(client.target, error);
  } finally {
    client.close();
  }
  return report;
}

function line(context: string, u: UpgradeFinding): string {
  const f = u.finding;
  return `${context} ${u.namespace}/${u.project} (revision ${u.revision}): ${u.source}: ${f.level} [${f.rule}] ${f.object.kind}/${f.object.name}: ${f.message}\n  fix: ${f.fix}\n`;
}

export async function run(options: UpgradeCheckOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  if ((options.to === undefined) === (options.toContext === undefined)) {
    throw new UsageError('say which Kubernetes version to check against: --to VERSION or --to-context CONTEXT (one of them)', { fix: 'eastern upgrade-check -c kube1 --to 1.33, or --to-context kube2 for a cluster already on it' });
  }
  const log = createLogger({ out: io.stderr, verbose: options.verbose ?? false, env });
  const target: Target = { label: '' };
  if (options.to !== undefined) {
    const v = parseVersion(options.to);
    if (!v) throw new UsageError(`--to takes a Kubernetes version such as 1.33, got "${options.to}"`);
    target.kubernetes = v;
    target.label = `Kubernetes ${v.major}.${v.minor}`;
  }
  const { openSession, clusterError } = await import('../kube/session.js');
  const { loadClusterTarget } = await import('../kube/kubeconfig.js');
  let toSession: Awaited<ReturnType<typeof openSession>> | undefined;
  try {
    if (options.toContext !== undefined) {
      toSession = await openSession({ ...options, context: options.toContext }, io, '*');
      const version = await toSession.client.serverVersion().catch((error: unknown) => {
        throw clusterError(toSession!.target, error);
      });
      const v = version ? parseVersion(version) : undefined;
      target.client = toSession.client;
      if (v) target.kubernetes = v;
      target.label = `cluster ${options.toContext} (${version ?? 'unknown version'})`;
    }
    const contexts = options.allContexts
      ? loadClusterTarget({ cwd: options.cwd, env, ...(options.kubeconfig && { kubeconfig: options.kubeconfig }) }).kubeConfig.getContexts().map((c) => c.name).filter((c) => c !== options.toContext)
      : [options.context ?? loadClusterTarget({ cwd: options.cwd, env, ...(options.kubeconfig && { kubeconfig: options.kubeconfig }) }).context];
    const reports: ContextReport[] = [];
    for (const context of contexts) {
      try {
        reports.push(await checkContext(context, target, options, io));
      } catch (error) {
        if (!options.allContexts) throw error;
        // Fleet-wide: one unreachable cluster is reported, the others are still checked.
        reports.push({ context, projects: 0, findings: [], error: error instanceof Error ? error.message : String(error) });
      }
    }
    const breaks = reports.flatMap((r) => r.findings).filter((u) => u.finding.level === 'error').length;
    const deprecated = reports.flatMap((r) => r.findings).length - breaks;
    const failed = reports.filter((r) => r.error);
    if (options.output === 'json') {
      io.stdout.write(JSON.stringify({
        target: { ...(target.kubernetes && { version: `${target.kubernetes.major}.${target.kubernetes.minor}` }), ...(options.toContext && { context: options.toContext }) },
        contexts: reports.map((r) => ({ context: r.context, ...(r.version && { version: r.version }), ...(r.error && { error: r.error }), projects: r.projects, findings: r.findings.map((u) => ({ namespace: u.namespace, project: u.project, revision: u.revision, source: u.source, rule: u.finding.rule, level: u.finding.level, object: u.finding.object, group: groupOf(u.finding.object.apiVersion), message: u.finding.message, fix: u.finding.fix })) })),
        summary: { breaks, deprecated, unreachable: failed.length },
      }, null, 2) + '\n');
    } else {
      for (const r of reports) {
        if (r.error) io.stdout.write(`${r.context}: not checked: ${r.error}\n`);
        for (const u of r.findings) io.stdout.write(line(r.context, u));
      }
    }
    for (const r of reports) {
      if (!r.error) log.info(`${r.context} (${r.version ?? 'unknown version'}): ${r.projects} released projects; ${r.findings.filter((u) => u.finding.level === 'error').length} objects would break on ${target.label}, ${r.findings.filter((u) => u.finding.level === 'warning').length} deprecated there`);
    }
    if (failed.length > 0) log.error(`${failed.length} of ${reports.length} clusters could not be checked`);
    return breaks > 0 || failed.length > 0 ? 1 : 0;
  } finally {
    toSession?.client.close();
  }
}
