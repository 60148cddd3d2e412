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
  const [{ openSession, clusterError }, { ReleaseStore }, report, { lockHolder }] = await Promise.all([import('../kube/session.js'), import('../deploy/release-store.js'), import('../deploy/report.js'), import('../deploy/lock.js')]);
  const { client, logger, target } = await openSession(options, io, namespace);
  try {
    const { heads, unreadable } = await new ReleaseStore(client, namespace, project).list().catch((e) => {
      throw clusterError(target, e);
    });
    const deploying = heads[0]?.info.outcome === 'pending' && (await lockHolder(client, namespace, project)) !== undefined;
    const context = { damaged: unreadable, deploying };
    if (options.output === 'json') io.stdout.write(JSON.stringify(report.historyJson(heads, context), null, 2) + '\n');
    else if (heads.length === 0 && unreadable.length === 0) logger.info(`no releases of project ${project} in namespace ${namespace}`);
    else io.stdout.write(report.formatHistory(heads, context));
    return 0;
  } finally {
    client.close();
  }
}
