// `eastern diff FILE [NAMESPACE]`: what a deploy would change (created / changed
// field by field / unchanged / would be pruned), from a server-side dry run
// compared with the live objects. Writes nothing.

import { resolve } from 'node:path';
import { processIo, type Io } from '../output/logger.js';
import { displayPath } from '../template/index.js';
import { renderManifest, type TemplateOptions } from '../deploy/manifest.js';
import type { ClusterOptions } from '../kube/session.js';
import { maskError, maskingWriter, secretValues } from '../secrets/masking.js';
import { createLogger } from '../output/logger.js';

export interface DiffCommandOptions extends ClusterOptions, TemplateOptions {
  io?: Io;
  output?: 'text' | 'json';
  name?: string;
  /** Exit 1 when there are differences. */
  exitCode?: boolean;
}

export async function run(options: DiffCommandOptions): Promise<number> {
  const given = options.io ?? processIo;
  const env = options.env ?? process.env;
  const namespace = options.namespace ?? 'default';
  const { projectName } = await import('../project/name.js');
  const project = projectName({ file: options.file, cwd: options.cwd, ...(options.name !== undefined && { name: options.name }) });
  const early = createLogger({ out: given.stderr, verbose: options.verbose ?? false, env });
  const { manifest, variables } = renderManifest({ cwd: options.cwd, file: options.file, namespace, env, ...(options.set && { set: options.set }), ...(options.root && { root: options.root }), ...(options.allowUndefined && { allowUndefined: true }) }, (m) => early.warn(m));

  const [{ openSession, clusterError }, { preview }, report] = await Promise.all([import('../kube/session.js'), import('../deploy/preview.js'), import('../deploy/report.js')]);
  // Values of secret-looking variables never reach the diff: the record masks them, so must the output.
  const secrets = secretValues(variables);
  const io = { stdout: maskingWriter(given.stdout, secrets), stderr: maskingWriter(given.stderr, secrets) };
  const { client, logger } = await openSession(options, io, namespace);
  try {
    logger.debug(`rendered ${displayPath(resolve(options.cwd, options.file), options.cwd)}: ${manifest.documents.length} documents (project ${project})`);
    // Drift (src/drift/): fields changed in the cluster by others since the last release, checked alongside.
    const driftModule = await import('../drift/project.js');
    const pendingDrift = driftModule.driftForDiff(client, namespace, project, manifest.text).catch((error: unknown) => {
      logger.warn(`drift not checked: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    let result;
    try {
      result = await preview(client, manifest, namespace, project, { forceConflicts: false }, logger);
    } catch (error) {
      // A conflict refusal is often caused by the drift itself: say who changed what.
      const drift = await pendingDrift;
      if (drift && drift.entries.length > 0) io.stderr.write(driftModule.driftText(drift));
      throw error;
    }
    const drift = await pendingDrift;
    if (options.output === 'json') io.stdout.write(JSON.stringify({ ...report.previewJson(result), drift: drift ?? null }, null, 2) + '\n');
    else io.stdout.write(report.formatPreview(result, { pruneEnabled: false }) + (drift ? driftModule.driftText(drift) : ''));
    return options.exitCode && (report.hasChanges(result) || (drift?.entries.length ?? 0) > 0) ? 1 : 0;
  } catch (error) {
    throw maskError(clusterError(client.target, error), secrets);
  } finally {
    client.close();
  }
}
