// `eastern check FILE [NAMESPACE]` (or `-f A -f B [-n NS]`): the rules of src/check
// over the rendered objects of each template, every finding at its template
// file:line. Findings on stdout (text, JSON or SARIF), the summary on stderr; exit 1
// when a finding is an error at the levels of the environment and project.
import { resolve } from 'node:path';
import { parseVersion } from '../check/api-lifecycle.js';
import { formatText, resultJson, summary } from '../check/format.js';
import { describePolicy } from '../check/levels.js';
import { checkObjects } from '../check/objects.js';
import { fieldLocator } from '../check/positions.js';
import { runChecks, type CheckResult } from '../check/run.js';
import { renderManifest } from '../deploy/manifest.js';
import { UsageError } from '../errors.js';
import { checkPolicy } from '../fleet/checks.js';
import { processIo, type Io } from '../output/logger.js';
import { selectTemplates, type TemplateFilesOptions } from '../template/generate.js';
import { displayPath } from '../template/location.js';

export interface CheckCommandOptions extends TemplateFilesOptions {
  io?: Io;
  output?: 'text' | 'json' | 'sarif';
  /** Target Kubernetes version (`1.33`): removed and deprecated apiVersions. */
  kubernetes?: string;
  environment?: string;
  agents?: string;
  verbose?: boolean;
}

export async function run(options: CheckCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const { files, namespace } = selectTemplates(options, 'check');
  const kubernetes = options.kubernetes !== undefined ? parseVersion(options.kubernetes) : undefined;
  if (options.kubernetes !== undefined && !kubernetes) {
    throw new UsageError(`--kubernetes takes a version such as 1.33, got "${options.kubernetes}"`);
  }
  const warn = (m: string) => io.stderr.write(`warning: ${m}\n`);
  const result: CheckResult = { findings: [], suppressed: [], errors: 0, warnings: 0 };
  let objectCount = 0;
  const levels = new Set<string>();
  for (const file of files) {
    const { manifest } = renderManifest({ cwd: options.cwd, file, namespace, env, ...(options.set && { set: options.set }), ...(options.root && { root: options.root }), ...(options.allowUndefined && { allowUndefined: true }) }, warn);
    const policy = checkPolicy({ cwd: options.cwd, env, template: file, ...(options.environment && { environment: options.environment }), ...(options.agents && { agents: options.agents }) });
    levels.add(describePolicy(policy));
    const objects = checkObjects(manifest.documents, namespace);
    objectCount += objects.length;
    const locate = fieldLocator({ text: manifest.text, sourceMap: manifest.sourceMap!, documents: manifest.documents });
    const one = runChecks({ objects, locate, policy, ...(kubernetes && { kubernetes }) });
    result.findings.push(...one.findings);
    result.suppressed.push(...one.suppressed);
    result.errors += one.errors;
    result.warnings += one.warnings;
  }
  const show = (file: string) => displayPath(file, options.cwd);
  if (options.output === 'sarif') {
    const { toSarif } = await import('../check/sarif.js');
    const { easternVersion } = await import('../project/identity.js');
    io.stdout.write(JSON.stringify(toSarif(result, { cwd: resolve(options.cwd), version: easternVersion() }), null, 2) + '\n');
  } else if (options.output === 'json') {
    io.stdout.write(JSON.stringify({ namespace, ...(kubernetes && { kubernetes: `${kubernetes.major}.${kubernetes.minor}` }), levels: [...levels], ...resultJson(result, show) }, null, 2) + '\n');
  } else {
    io.stdout.write(formatText(result, show, { suppressed: options.verbose === true }));
  }
  io.stderr.write(`checked ${files.length === 1 ? files[0] : `${files.length} templates`} (${objectCount} objects${kubernetes ? `, for Kubernetes ${kubernetes.major}.${kubernetes.minor}` : ''}): ${summary(result)}; levels: ${[...levels].join(' | ')}\n`);
  return result.errors > 0 ? 1 : 0;
}
