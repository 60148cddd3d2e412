// `eastern deploy FILE [NAMESPACE]` (Python eastern compatible): render, then the
// cluster pipeline in src/kube/deploy.ts. `--dry-run` shows the diff and writes
// nothing (and takes no lock).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EasternError, UsageError } from '../errors.js';
import { createLogger, processIo, type Io, type Logger } from '../output/logger.js';
import { parseManifest, render, templateVariables, formatLocation, displayPath } from '../template/index.js';
import { builtinVariables } from './generate.js';
import type { ManifestInput } from '../kube/deploy.js';
import type { KubeClient } from '../kube/client.js';

export interface DeployCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  file: string;
  namespace?: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  output?: 'text' | 'json';
  timeout?: number;
  wait?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  name?: string;
  rollbackOnFailure?: boolean;
  lockTimeout?: number;
  forceConflicts?: boolean;
  historyLimit?: number;
  edit?: boolean;
  /** Injected by tests; defaults to process.stdin.isTTY. */
  stdinIsTTY?: boolean;
  /** Aborts the deploy (SIGINT/SIGTERM are wired to it when not given). */
  signal?: AbortSignal;
  /** Release record chunk size, for tests of large releases. */
  chunkBytes?: number;
  /** An already-connected cluster (the agent's warm client) instead of the kubeconfig; left open. */
  cluster?: KubeClient;
  /** Namespaces this deploy may write to (the agent's allow-list); anything else is refused before any write. */
  namespaceAllowed?: (namespace: string) => boolean;
}

/** Renders and parses the template; locations point at template files. */
export function renderManifest(options: { cwd: string; file: string; namespace: string; set?: string[]; root?: string; allowUndefined?: boolean; env: NodeJS.ProcessEnv }, onWarning: (m: string) => void): { manifest: ManifestInput; variables: Record<string, string> } {
  const variables = templateVariables(options.set ?? [], options.namespace, builtinVariables(options.env));
  const rendered = render({
    file: options.file,
    variables,
    cwd: options.cwd,
    ...(options.root !== undefined && { root: options.root }),
    allowUndefined: options.allowUndefined ?? false,
    onWarning,
  });
  const documents = parseManifest(rendered, options.cwd);
  return { manifest: { text: rendered.text, documents, format: (loc) => formatLocation(loc, options.cwd) }, variables };
}

export interface EditOptions {
  cwd: string;
  /** Injected by tests; defaults to process.stdin.isTTY. */
  stdinIsTTY?: boolean;
}

/**
 * --edit (deploy and job): the rendered manifest in $VISUAL/$EDITOR before anything
 * is sent; only on a terminal. Locations in an edited manifest read "edited manifest:N".
 */
export async function editManifest(manifest: ManifestInput, options: EditOptions, env: NodeJS.ProcessEnv): Promise<ManifestInput> {
  const tty = options.stdinIsTTY ?? process.stdin.isTTY === true;
  if (!tty) {
    throw new UsageError('--edit needs a terminal on stdin, and this one is not (CI, pipe or Jenkins)', { fix: 'drop --edit in scripts; change the template or pass -s KEY=VALUE instead' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'eastern-edit-'));
  const file = join(dir, 'manifest.yaml');
  try {
    writeFileSync(file, manifest.text);
    const editor = env.VISUAL || env.EDITOR || 'vi';
    const { execa } = await import('execa');
    const result = await execa(`${editor} "${file}"`, { shell: true, stdio: 'inherit', reject: false });
    if (result.exitCode !== 0) throw new EasternError(`the editor (${editor}) exited with code ${result.exitCode}; nothing was deployed`);
    const text = readFileSync(file, 'utf8');
    if (text === manifest.text) return manifest;
    const normalised = text.endsWith('\n') || text === '' ? text : `${text}\n`;
    const lines = normalised === '' ? [] : normalised.replace(/\n$/, '').split('\n');
    const sourceMap = lines.map((_, i) => ({ file: 'edited manifest', line: i + 1 }));
    const documents = parseManifest({ text: normalised, sourceMap }, options.cwd);
    return { text: normalised, documents, format: (loc) => `${loc.file}:${loc.line}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGINT/SIGTERM abort the deploy cleanly (lock released, outcome recorded); a second one exits at once. */
export function interruptSignal(logger: Logger): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    logger.warn(`${sig} received: stopping, releasing the lock and recording the outcome (send again to exit at once)`);
    controller.abort(new EasternError(`deploy interrupted by ${sig}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export async function run(options: DeployCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const namespace = options.namespace ?? 'default';
  const json = options.output === 'json';
  const { projectName } = await import('../project/name.js');
  const project = projectName({ file: options.file, cwd: options.cwd, ...(options.name !== undefined && { name: options.name }) });
  const early = createLogger({ out: io.stderr, verbose: options.verbose ?? false, env });

  let { manifest, variables } = renderManifest({ cwd: options.cwd, file: options.file, namespace, env, ...(options.set && { set: options.set }), ...(options.root && { root: options.root }), ...(options.allowUndefined && { allowUndefined: true }) }, (m) => early.warn(m));
  if (options.edit) manifest = await editManifest(manifest, options, env);

  // Only now load the Kubernetes client: template errors above come back fast.
  const [{ openSession, easternVersion, clusterError }, deployMod, report, identity] = await Promise.all([
    import('../kube/session.js'),
    import('../kube/deploy.js'),
    import('../output/kube-report.js'),
    import('../project/identity.js'),
  ]);
  const { client, logger } = await openSession(options, io, namespace);
  logger.info(`rendered ${displayPath(resolve(options.cwd, options.file), options.cwd)}: ${manifest.documents.length} documents (project ${project})`);
  const settings = {
    wait: options.wait ?? true,
    timeoutSeconds: options.timeout ?? 300,
    prune: options.prune ?? false,
    rollbackOnFailure: options.rollbackOnFailure ?? false,
    lockTimeoutSeconds: options.lockTimeout ?? 600,
    forceConflicts: options.forceConflicts ?? false,
    historyLimit: options.historyLimit ?? 10,
    ...(options.chunkBytes && { chunkBytes: options.chunkBytes }),
  };

  let wroteJson = false;
  try {
    if (options.dryRun) {
      const preview = await deployMod.preview(client, manifest, namespace, project, settings, logger, options.namespaceAllowed ? { namespaceAllowed: options.namespaceAllowed } : {});
      if (json) io.stdout.write(JSON.stringify({ dryRun: true, ...report.previewJson(preview) }, null, 2) + '\n');
      else io.stdout.write(report.formatPreview(preview, { pruneEnabled: settings.prune }));
      logger.info('dry run only: nothing was written');
      return 0;
    }

    const interrupt = options.signal ? undefined : interruptSignal(logger);
    try {
      const result = await deployMod.deploy({
        client,
        namespace,
        project,
        manifest,
        variables,
        source: displayPath(resolve(options.cwd, options.file), options.cwd),
        commit: identity.gitCommit(env, dirname(resolve(options.cwd, options.file))),
        ...(identity.buildInfo(env) && { build: identity.buildInfo(env)! }),
        deployer: identity.deployerIdentity(env),
        easternVersion: easternVersion(),
        settings,
        logger,
        ...((options.signal ?? interrupt?.signal) && { signal: (options.signal ?? interrupt?.signal)! }),
        ...(options.namespaceAllowed && { namespaceAllowed: options.namespaceAllowed }),
      });
      if (json) {
        io.stdout.write(JSON.stringify(report.deployJson(result), null, 2) + '\n');
        wroteJson = true;
      }
      const error = deployMod.reportError(result);
      if (error) throw error;
      return 0;
    } finally {
      interrupt?.dispose();
    }
  } catch (error) {
    if (json && !wroteJson) {
      io.stdout.write(JSON.stringify(errorJson(project, namespace, client.target.context, error), null, 2) + '\n');
    }
    throw clusterError(client.target, error);
  } finally {
    client.close();
  }
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
