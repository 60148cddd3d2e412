// `eastern status [PROJECT]`: what runs where, across the chosen clusters (src/status);
// `--serve` keeps a read-only status page running instead.
import { UsageError } from '../errors.js';
import { createLogger, processIo, type Io } from '../output/logger.js';

export interface StatusCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  project?: string;
  /** One or more --context; a string when given before the command name. */
  context?: string | string[];
  allContexts?: boolean;
  kubeconfig?: string;
  namespace?: string;
  agents?: string;
  /** Seconds per cluster. */
  timeout?: number;
  output?: 'table' | 'text' | 'json';
  verbose?: boolean;
  serve?: boolean;
  listen?: string;
  /** Seconds between page data refreshes. */
  refresh?: number;
  /** Resolves when the page should stop (tests); default: SIGINT/SIGTERM. */
  until?: Promise<unknown>;
  /** Told the page's address once it listens (tests). */
  onListening?: (url: string) => void;
}

export const DEFAULT_STATUS_TIMEOUT_SECONDS = 10;

export async function run(options: StatusCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const logger = createLogger({ out: io.stderr, scope: 'status', verbose: options.verbose ?? false, env });
  const contexts = options.context === undefined ? [] : [options.context].flat();
  if (options.project !== undefined) {
    const { checkProjectName } = await import('../project/name.js');
    checkProjectName(options.project);
  }
  if (!options.serve && (options.listen !== undefined || options.refresh !== undefined)) {
    throw new UsageError('--listen and --refresh belong to --serve', { fix: 'add --serve, or drop them' });
  }
  const [{ selectClusters }, { ManifestCache }] = await Promise.all([import('../status/clusters.js'), import('../status/manifests.js')]);
  const selection = selectClusters({ cwd: options.cwd, env, contexts, ...(options.allContexts && { allContexts: true }), ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), ...(options.agents && { agents: options.agents }) });
  const settings = {
    ...(options.namespace && { namespace: options.namespace }),
    ...(options.project && { project: options.project }),
    timeoutMs: (options.timeout ?? DEFAULT_STATUS_TIMEOUT_SECONDS) * 1000,
    manifests: new ManifestCache(),
    logger,
  };
  if (options.serve) {
    const { serveStatus } = await import('../status/server.js');
    return serveStatus(selection, { ...settings, env, logger, ...(options.listen && { listen: options.listen }), refreshSeconds: options.refresh ?? 15, ...(options.until && { until: options.until }), ...(options.onListening && { onListening: options.onListening }) });
  }
  const [{ collectOnce }, { formatStatus }] = await Promise.all([import('../status/collect.js'), import('../status/table.js')]);
  const { report } = await collectOnce(selection, settings);
  io.stdout.write(options.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
  const failed = report.clusters.filter((c) => c.error);
  for (const c of failed) logger.error(`${c.name}: ${c.reachable ? '' : 'unreachable: '}${c.error}`);
  return failed.length > 0 ? 1 : 0;
}
