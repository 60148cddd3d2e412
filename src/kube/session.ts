// What every cluster command starts with: the kubeconfig target, a logger scoped
// [context/namespace], a connected client.

import { ClusterError, EasternError } from '../errors.js';
import { createLogger, type Io, type Logger } from '../output/logger.js';
import { ApiError, apiMessage, classify, statusOf } from './api-error.js';
import { KubeClient } from './client.js';
import { loadClusterTarget, type ClusterTarget } from './kubeconfig.js';

export interface ClusterOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  kubeconfig?: string;
  context?: string;
  verbose?: boolean;
  /**
   * An already-connected client (the agent's warm one): used instead of loading the
   * kubeconfig, through a view that logs to this command's io. The command's
   * client.close() then leaves it open.
   */
  cluster?: KubeClient;
}

export interface Session {
  target: ClusterTarget;
  client: KubeClient;
  logger: Logger;
}

export async function openSession(options: ClusterOptions, io: Io, namespace: string): Promise<Session> {
  const env = options.env ?? process.env;
  if (options.cluster) {
    const target = options.cluster.target;
    const logger = createLogger({ out: io.stderr, scope: `${target.context}/${namespace}`, verbose: options.verbose ?? false, env });
    return { target, client: options.cluster.withLogger(logger), logger };
  }
  const target = await loadClusterTarget({ cwd: options.cwd, env, ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), ...(options.context && { context: options.context }) });
  const logger = createLogger({ out: io.stderr, scope: `${target.context}/${namespace}`, verbose: options.verbose ?? false, env });
  const client = await KubeClient.connect(target, { logger });
  return { target, client, logger };
}

/**
 * API and network errors that escaped the pipeline, as ClusterErrors naming the
 * cluster; anything else (a bug) is returned unchanged.
 */
export function clusterError(target: ClusterTarget, error: unknown): unknown {
  if (error instanceof EasternError) return error;
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new ClusterError(`cluster ${target.context} refused: ${apiMessage(error)}`, { cause: error, fix: 'check the credentials and RBAC permissions of this kubeconfig user' });
  }
  if (error instanceof ApiError) return new ClusterError(`cluster ${target.context} refused: ${apiMessage(error)}`, { cause: error });
  if (classify(error) === 'transient') {
    return new ClusterError(`cannot reach cluster ${target.context} (${target.server}): ${apiMessage(error)}`, {
      cause: error,
      fix: 'check that the cluster is up and that --kubeconfig/--context point at it, then run again',
    });
  }
  return error;
}
