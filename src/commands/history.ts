// `eastern history PROJECT [NAMESPACE]`: the release records of a project.

import { processIo, type Io } from '../output/logger.js';

export interface HistoryCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  project: string;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  output?: 'text' | 'json';
}

export async function run(options: HistoryCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const namespace = options.namespace ?? 'default';
  const { checkProjectName } = await import('../project/name.js');
  const project = checkProjectName(options.project);
  const [{ openSession, clusterError }, { ReleaseStore }, report] = await Promise.all([import('../kube/session.js'), import('../deploy/release-store.js'), import('../deploy/report.js')]);
  const { client, logger, target } = await openSession(options, io, namespace);
  try {
    const { heads, unreadable } = await new ReleaseStore(client, namespace, project).list().catch((e) => {
      throw clusterError(target, e);
    });
    for (const u of unreadable) logger.warn(`unreadable release record: ${u}`);
    if (options.output === 'json') io.stdout.write(JSON.stringify(report.historyJson(heads), null, 2) + '\n');
    else if (heads.length === 0) logger.info(`no releases of project ${project} in namespace ${namespace}`);
    else io.stdout.write(report.formatHistory(heads));
    return 0;
  } finally {
    client.close();
  }
}
