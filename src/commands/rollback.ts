// `eastern rollback PROJECT [NAMESPACE] [--to N]`: re-apply the manifest stored in
// revision N (default: the newest good revision before the current one) as a new
// revision, then wait for its rollout, exactly like a deploy.

import { ValidationError } from '../errors.js';
import { processIo, type Io } from '../output/logger.js';
import type { ClusterOptions } from '../kube/session.js';
import { interruptSignal } from './shared.js';

export interface RollbackCommandOptions extends ClusterOptions {
  io?: Io;
  project: string;
  namespace?: string;
  to?: number;
  output?: 'text' | 'json';
  timeout?: number;
  wait?: boolean;
  lockTimeout?: number;
  prune?: boolean;
  forceConflicts?: boolean;
  takeOver?: boolean;
  historyLimit?: number;
  signal?: AbortSignal;
}

export async function run(options: RollbackCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const namespace = options.namespace ?? 'default';
  const json = options.output === 'json';
  const { checkProjectName } = await import('../project/name.js');
  const project = checkProjectName(options.project);
  const [{ openSession, clusterError }, deployMod, { ReleaseStore }, release, report, identity, { deploySettings, errorJson }] = await Promise.all([
    import('../kube/session.js'),
    import('../deploy/deploy.js'),
    import('../deploy/release-store.js'),
    import('../deploy/release.js'),
    import('../deploy/report.js'),
    import('../project/identity.js'),
    import('../deploy/run.js'),
  ]);
  const { client, logger, target } = await openSession(options, io, namespace);
  let wroteJson = false;
  try {
    const store = new ReleaseStore(client, namespace, project);
    const { heads, unreadable } = await store.list().catch((e) => {
      throw clusterError(target, e);
    });
    const damaged = unreadable.find((d) => d.revision === options.to);
    if (damaged) throw damaged.error;
    if (heads.length === 0 && unreadable.length === 0) {
      throw new ValidationError(`no releases of project ${project} in namespace ${namespace} on ${target.context}`, { fix: `check the project name and namespace: eastern history ${project} NAMESPACE` });
    }
    const chosen = release.rollbackTarget(heads, options.to);
    if (!chosen) {
      const list = heads.map((h) => `${h.info.revision} (${h.info.outcome})`).join(', ');
      throw new ValidationError(
        options.to !== undefined ? `revision ${options.to} of ${project} is not in the history` : `there is no good revision of ${project} before revision ${heads[0]!.info.revision} to roll back to`,
        { details: [`revisions kept: ${list}`], fix: 'pick one with --to N' },
      );
    }
    if (!release.GOOD_OUTCOMES.includes(chosen.info.outcome)) logger.warn(`revision ${chosen.info.revision} ended ${chosen.info.outcome}; rolling back to it because --to asked for it`);
    logger.info(`rolling back ${project} to revision ${chosen.info.revision} (from ${chosen.info.startedAt})`);
    const manifest = await deployMod.revisionManifest(store, chosen);
    const interrupt = options.signal ? undefined : interruptSignal(logger, 'stopping, releasing the lock and recording the outcome', 'rollback');
    try {
      const result = await deployMod.deploy({
        client,
        namespace,
        project,
        manifest,
        variables: chosen.info.variables,
        source: `revision ${chosen.info.revision}`,
        ...(chosen.info.commit && { commit: chosen.info.commit }),
        ...(identity.buildInfo(env) && { build: identity.buildInfo(env)! }),
        deployer: identity.deployerIdentity(env),
        easternVersion: identity.easternVersion(),
        rollbackOf: chosen.info.revision,
        settings: deploySettings({ ...options, rollbackOnFailure: false }),
        logger,
        ...((options.signal ?? interrupt?.signal) && { signal: (options.signal ?? interrupt?.signal)! }),
      });
      if (json) {
        io.stdout.write(JSON.stringify({ ...report.deployJson(result), rollbackOf: chosen.info.revision }, null, 2) + '\n');
        wroteJson = true;
      }
      const error = deployMod.reportError(result);
      if (error) throw error;
      return 0;
    } finally {
      interrupt?.dispose();
    }
  } catch (error) {
    if (json && !wroteJson) io.stdout.write(JSON.stringify(errorJson(project, namespace, target.context, error), null, 2) + '\n');
    throw clusterError(target, error);
  } finally {
    client.close();
  }
}
