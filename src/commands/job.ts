// `eastern job FILE NAMESPACE TAG` (Python eastern compatible): render with
// IMAGE_TAG=TAG, then the job procedure of the engine (src/deploy/job.ts): Jobs
// renamed <name>-<tag>, dry run, apply, the log streamed, the Jobs deleted afterwards
// in every case, Ctrl-C included. Exit 0 / 2 timeout / 3 failed / 130 interrupted.
import { resolve } from 'node:path';
import { ExitCode, InterruptedError, UsageError } from '../errors.js';
import { createLogger, processIo, type Io } from '../output/logger.js';
import { projectNameOrFolder } from '../project/name.js';
import { displayPath } from '../template/location.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../deploy/defaults.js';
import { jobManifest } from '../deploy/job.js';
import { renderManifest } from '../deploy/manifest.js';
import { maskError, maskingWriter, secretValues } from '../secrets/masking.js';
import { editManifest, interruptSignal } from './shared.js';

export interface JobCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  file: string;
  namespace: string;
  tag: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
  /** Seconds; 0 = none (default 300). */
  timeout?: number;
  lockTimeout?: number;
  name?: string;
  edit?: boolean;
  /** Injected by tests; defaults to process.stdin.isTTY (--edit needs a terminal). */
  stdinIsTTY?: boolean;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  /** Stops the job as Ctrl-C would (tests); when absent, SIGINT/SIGTERM are handled. */
  signal?: AbortSignal;
}

export async function run(options: JobCommandOptions): Promise<number> {
  const given = options.io ?? processIo;
  const env = options.env ?? process.env;
  if (!options.tag) throw new UsageError('missing TAG', { fix: 'eastern job FILE NAMESPACE TAG' });
  const early = createLogger({ out: given.stderr, verbose: options.verbose ?? false, env });
  // Python eastern sets IMAGE_TAG after the -s values, so the tag wins.
  const rendered = renderManifest({ cwd: options.cwd, file: options.file, namespace: options.namespace, env, overrides: { IMAGE_TAG: options.tag }, ...(options.set && { set: options.set }), ...(options.root && { root: options.root }), ...(options.allowUndefined && { allowUndefined: true }) }, (m) => early.warn(m));
  const edited = options.edit ? await editManifest(rendered.manifest, { cwd: options.cwd, ...(options.stdinIsTTY !== undefined && { stdinIsTTY: options.stdinIsTTY }) }, env) : rendered.manifest;
  const where = displayPath(resolve(options.cwd, options.file), options.cwd);
  const { manifest, jobs } = jobManifest(edited, options.tag, where);
  const secrets = secretValues(rendered.variables);
  const io = { stdout: given.stdout, stderr: maskingWriter(given.stderr, secrets) };

  const [{ openSession, clusterError }, { runJob }, { deployerIdentity }] = await Promise.all([import('../kube/session.js'), import('../deploy/job.js'), import('../project/identity.js')]);
  const { client, logger, target } = await openSession(options, io, options.namespace);
  const interrupt = options.signal ? undefined : interruptSignal(logger, 'stopping and deleting the job', 'job');
  const signal = options.signal ?? interrupt?.signal;
  try {
    await runJob({
      client,
      namespace: options.namespace,
      project: projectNameOrFolder({ file: options.file, cwd: options.cwd, ...(options.name !== undefined && { name: options.name }) }),
      tag: options.tag,
      manifest,
      jobs,
      where,
      timeoutSeconds: options.timeout ?? DEFAULT_TIMEOUT_SECONDS,
      lockTimeoutSeconds: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_SECONDS,
      deployer: deployerIdentity(env),
      logger,
      stdout: io.stdout,
      ...(signal && { signal }),
    });
    return 0;
  } catch (error) {
    if (signal?.aborted && error === signal.reason) {
      logger.warn('interrupted');
      return error instanceof InterruptedError ? error.exitCode : ExitCode.interrupted;
    }
    throw maskError(clusterError(target, error), secrets);
  } finally {
    interrupt?.dispose();
    client.close();
  }
}
