// `eastern drift [NAMESPACE...] [--exit-code]`: for every project Eastern released in
// those namespaces (default: every namespace holding release records), whether the
// live objects still match the last release. One line per project.
import { ClusterError } from '../errors.js';
import { processIo, type Io } from '../output/logger.js';

export interface DriftCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  namespaces?: string[];
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  output?: 'text' | 'json';
  exitCode?: boolean;
}

export async function run(options: DriftCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const namespaces = [...new Set(options.namespaces ?? [])];
  const [{ openSession, clusterError }, { releasedProjects, projectDrift }, format, { statusOf }] = await Promise.all([
    import('../kube/session.js'),
    import('../drift/project.js'),
    import('../drift/format.js'),
    import('../kube/api-error.js'),
  ]);
  const { client, logger } = await openSession(options, io, namespaces.length === 1 ? namespaces[0]! : namespaces.length === 0 ? '*' : namespaces.join(','));
  try {
    let projects;
    try {
      projects = namespaces.length === 0
        ? await releasedProjects(client)
        : (await Promise.all(namespaces.map((ns) => releasedProjects(client, ns)))).flat();
    } catch (error) {
      if (namespaces.length === 0 && statusOf(error) === 403) {
        throw new ClusterError(`cluster ${client.target.context} refused to list release records in all namespaces`, {
          cause: error,
          fix: 'name the namespaces to check: eastern drift NAMESPACE...',
        });
      }
      throw error;
    }
    if (projects.length === 0) {
      logger.info(`no Eastern releases ${namespaces.length ? `in ${namespaces.join(', ')}` : 'in any namespace'}`);
    }
    const results = [];
    // One project at a time keeps the request rate polite; each one fans out itself.
    for (const p of projects) results.push(await projectDrift(client, p));
    if (options.output === 'json') {
      io.stdout.write(JSON.stringify({ context: client.target.context, projects: results }, null, 2) + '\n');
    } else {
      for (const r of results) {
        io.stdout.write(`${format.formatProjectLine(r)}\n`);
        if (options.verbose) for (const e of r.entries) io.stdout.write(`  ${format.formatEntry(e)}\n`);
      }
    }
    const bad = results.filter((r) => format.FAILING_STATES.includes(r.state));
    if (bad.length > 0) logger.info(`${bad.length} of ${results.length} projects differ from their last release${options.verbose ? '' : ' (-v lists every field)'}`);
    return options.exitCode && bad.length > 0 ? 1 : 0;
  } catch (error) {
    throw clusterError(client.target, error);
  } finally {
    client.close();
  }
}
