// `deploy FILE [NAMESPACE]` from end to end: render the template, open the
// cluster, then the dry-run preview or the deploy, and the report in text or JSON.
// The CLI (src/commands/deploy.ts) and the agent (src/agent/) both run deploys
// through this function, so a deploy in a build prints the same as one on a laptop.
import { dirname, resolve } from 'node:path';
import { EasternError } from '../errors.js';
import type { ClusterOptions } from '../kube/session.js';
import { createLogger, type Io } from '../output/logger.js';
import { deployGate } from '../check/gate.js';
import { checkPolicy } from '../fleet/checks.js';
import { buildInfo, deployerIdentity, easternVersion, gitCommit } from '../project/identity.js';
import { projectName } from '../project/name.js';
import { maskError, maskingWriter, secretValues } from '../secrets/masking.js';
import { displayPath } from '../template/location.js';
import { DEFAULT_HISTORY_LIMIT, DEFAULT_LOCK_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from './defaults.js';
import type { DeploySettings, PreparePolicy } from './deploy.js';
import { renderManifest, type ManifestInput, type TemplateOptions } from './manifest.js';

export interface DeployTemplateOptions extends ClusterOptions, TemplateOptions {
  io: Io;
  output?: 'text' | 'json';
  timeout?: number;
  wait?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  name?: string;
  rollbackOnFailure?: boolean;
  lockTimeout?: number;
  forceConflicts?: boolean;
  /** Take objects over from other Eastern projects instead of refusing. */
  takeOver?: boolean;
  historyLimit?: number;
  /** Aborts the deploy (the lock is released and the outcome recorded). */
  signal?: AbortSignal;
  /** Release record chunk size, for tests of large releases. */
  chunkBytes?: number;
  /** Namespaces this deploy may write to (the agent's allow-list); anything else is refused before any write. */
  namespaceAllowed?: (namespace: string) => boolean;
  /** Cluster-scoped kinds this deploy may write (the agent's list); other cluster-scoped objects are refused. */
  clusterScoped?: PreparePolicy['clusterScoped'];
  /** Changes the rendered manifest before anything is sent (--edit). */
  edit?: (manifest: ManifestInput) => Promise<ManifestInput>;
  /** Environment whose check levels apply (else $EASTERN_ENVIRONMENT). */
  environment?: string;
  /** Fleet folder or agent file holding those levels (else $EASTERN_AGENT_FILE). */
  agents?: string;
}

/** The deploy settings of a command's options, defaults filled in. */
export function deploySettings(options: Pick<DeployTemplateOptions, 'wait' | 'timeout' | 'prune' | 'rollbackOnFailure' | 'lockTimeout' | 'forceConflicts' | 'takeOver' | 'historyLimit' | 'chunkBytes'>): DeploySettings {
  return {
    wait: options.wait ?? true,
    timeoutSeconds: options.timeout ?? DEFAULT_TIMEOUT_SECONDS,
    prune: options.prune ?? false,
    rollbackOnFailure: options.rollbackOnFailure ?? false,
    lockTimeoutSeconds: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_SECONDS,
    forceConflicts: options.forceConflicts ?? false,
    takeOver: options.takeOver ?? false,
    historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    ...(options.chunkBytes && { chunkBytes: options.chunkBytes }),
  };
}

/** --output json when the deploy stopped with an error before it had a report. */
export function errorJson(project: string, namespace: string, context: string, error: unknown) {
  const e = error instanceof EasternError ? error : undefined;
  return {
    project,
    namespace,
    context,
    outcome: 'error',
    error: { message: error instanceof Error ? error.message : String(error), ...(e && { type: e.name, details: e.detailLines, fix: e.fix, exitCode: e.exitCode }) },
  };
}

export async function deployTemplate(options: DeployTemplateOptions): Promise<number> {
  const env = options.env ?? process.env;
  const namespace = options.namespace ?? 'default';
  const json = options.output === 'json';
  const project = projectName({ file: options.file, cwd: options.cwd, ...(options.name !== undefined && { name: options.name }) });
  // The commit is looked up while the template renders (git runs beside us, not after).
  const commit = options.dryRun ? undefined : gitCommit(env, dirname(resolve(options.cwd, options.file)));
  const early = createLogger({ out: options.io.stderr, verbose: options.verbose ?? false, env });
  const rendered = renderManifest({ cwd: options.cwd, file: options.file, namespace, env, ...(options.set && { set: options.set }), ...(options.root && { root: options.root }), ...(options.allowUndefined && { allowUndefined: true }) }, (m) => early.warn(m));
  const manifest = options.edit ? await options.edit(rendered.manifest) : rendered.manifest;
  // Check levels are read before the cluster is: a broken levels file fails fast.
  const checks = checkPolicy({ cwd: options.cwd, env, template: options.file, ...(options.environment && { environment: options.environment }), ...(options.agents && { agents: options.agents }) });
  // Values of secret-looking variables never reach the output: not in diffs, logs or API messages.
  const secrets = secretValues(rendered.variables);
  const io = { stdout: maskingWriter(options.io.stdout, secrets), stderr: maskingWriter(options.io.stderr, secrets) };

  // Only now load the Kubernetes client: template errors above come back fast.
  const [{ clusterError, openSession }, { deploy, reportError }, { preview }, { deployJson, formatPreview, previewJson }] = await Promise.all([
    import('../kube/session.js'),
    import('./deploy.js'),
    import('./preview.js'),
    import('./report.js'),
  ]);
  const { client, logger } = await openSession(options, io, namespace);
  const source = displayPath(resolve(options.cwd, options.file), options.cwd);
  logger.info(`rendered ${source}: ${manifest.documents.length} documents (project ${project})`);
  const settings = deploySettings(options);
  const policy: PreparePolicy = { ...(options.namespaceAllowed && { namespaceAllowed: options.namespaceAllowed }), ...(options.clusterScoped && { clusterScoped: options.clusterScoped }) };
  let wroteJson = false;
  try {
    if (options.dryRun) {
      deployGate({ manifest, namespace, policy: checks, logger });
      const result = await preview(client, manifest, namespace, project, settings, logger, policy);
      io.stdout.write(json ? JSON.stringify({ dryRun: true, ...previewJson(result) }, null, 2) + '\n' : formatPreview(result, { pruneEnabled: settings.prune }));
      logger.info('dry run only: nothing was written');
      return 0;
    }
    const build = buildInfo(env);
    const result = await deploy({
      client,
      namespace,
      project,
      manifest,
      variables: rendered.variables,
      source,
      ...(commit && { commit }),
      ...(build && { build }),
      deployer: deployerIdentity(env),
      easternVersion: easternVersion(),
      checks,
      settings,
      logger,
      ...(options.signal && { signal: options.signal }),
      ...policy,
    });
    if (json) {
      io.stdout.write(JSON.stringify(deployJson(result), null, 2) + '\n');
      wroteJson = true;
    }
    const error = reportError(result);
    if (error) throw error;
    return 0;
  } catch (error) {
    if (json && !wroteJson) io.stdout.write(JSON.stringify(errorJson(project, namespace, client.target.context, error), null, 2) + '\n');
    throw maskError(clusterError(client.target, error), secrets);
  } finally {
    client.close();
  }
}
