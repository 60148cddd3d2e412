// `eastern export NAMESPACE [--kinds …] [-l …] [--out DIR] [--include-secrets]`:
// live objects as clean manifests, for review and migration to another cluster.
import { relative, resolve } from 'node:path';
import { processIo, type Io } from '../output/logger.js';

export interface ExportCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  namespace: string;
  kinds?: string;
  selector?: string;
  out?: string;
  includeSecrets?: boolean;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  output?: 'text' | 'json';
}

export async function run(options: ExportCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const [{ openSession, clusterError }, { collect, writeExport }, files, { parseKinds }, { summarizeSkipped }] = await Promise.all([
    import('../kube/session.js'),
    import('../export/collect.js'),
    import('../export/files.js'),
    import('../export/select.js'),
    import('../export/plan.js'),
  ]);
  const kinds = parseKinds(options.kinds);
  const { client, logger } = await openSession(options, io, options.namespace);
  try {
    const result = await collect({
      client,
      namespace: options.namespace,
      logger,
      ...(kinds && { kinds }),
      ...(options.selector && { selector: options.selector }),
      ...(options.includeSecrets && { includeSecrets: true }),
    });
    for (const u of result.unlisted) logger.warn(`not exported, could not list ${u}`);
    for (const s of result.skipped) logger.debug(`skipped ${s.object}: ${s.reason}`);
    const skipped = result.skipped.length ? ` (left out ${result.skipped.length}: ${summarizeSkipped(result.skipped)})` : '';
    if (options.out) {
      const out = files.exportFiles(result.objects);
      const { removed } = writeExport(resolve(options.cwd, options.out), out);
      for (const r of removed) logger.info(`removed ${r}: no longer in the namespace`);
      const absolute = resolve(options.cwd, options.out);
      const rel = relative(options.cwd, absolute);
      const shown = rel === '' ? '.' : rel.startsWith('..') ? absolute : rel;
      logger.info(`exported ${result.objects.length} objects to ${shown}/ (one file each, ${files.TOP_LEVEL} loads them)${skipped}`);
      if (options.output === 'json') {
        io.stdout.write(JSON.stringify({ directory: shown, files: out.map((f) => f.path), skipped: result.skipped, unlisted: result.unlisted }, null, 2) + '\n');
      }
    } else {
      if (options.output === 'json') {
        io.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: files.sortObjects(result.objects) }, null, 2) + '\n');
      } else {
        io.stdout.write(files.exportStream(result.objects));
      }
      logger.info(`exported ${result.objects.length} objects${skipped}`);
    }
    if (result.objects.some((o) => o.kind === 'Secret')) logger.warn('the export holds Secret values in clear: keep it out of version control or encrypt it');
    return 0;
  } catch (error) {
    throw clusterError(client.target, error);
  } finally {
    client.close();
  }
}
