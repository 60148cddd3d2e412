// The checks of `eastern deploy`: after the manifest was validated against the
// cluster and before the dry run. Warnings go to the log; errors (at the levels of
// the environment and project) stop the deploy with nothing applied. A deploy
// without a policy (a rollback) is never stopped: its findings are all warnings.
import { ValidationError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import type { SourceMapLike } from '../template/source-map.js';
import type { ManifestDocument, SourceLocation } from '../template/types.js';
import { parseVersion } from './api-lifecycle.js';
import { findingDetails, findingLine, showFileOf, summary } from './format.js';
import { describePolicy, type CheckPolicy } from './levels.js';
import { checkObjects } from './objects.js';
import { documentLocator, fieldLocator } from './positions.js';
import { runChecks, type CheckResult } from './run.js';
import type { Finding } from './types.js';

export interface GateInput {
  manifest: { text: string; documents: readonly ManifestDocument[]; sourceMap?: SourceMapLike; format: (loc: SourceLocation) => string };
  namespace: string;
  /** The cluster's version (`v1.30.14`): deprecated API versions there are warned about. */
  serverVersion?: string;
  /** Levels; undefined for a rollback (only warnings). */
  policy?: CheckPolicy;
  logger: Logger;
}

/** Warnings of one rule shown in full in a deploy's log; the rest of them at --verbose. */
export const WARNINGS_PER_RULE = 3;

const ROLLBACK_POLICY: CheckPolicy = { fleet: { errors: 'warn', rules: {}, source: 'rollback' } };

/** Runs the checks; logs every finding; throws a ValidationError when errors block. */
export function deployGate(input: GateInput): CheckResult {
  const { manifest, logger } = input;
  const objects = checkObjects(manifest.documents, input.namespace);
  // Without a source map (a text manifest) the document starts are all there is.
  const locate = manifest.sourceMap
    ? fieldLocator({ text: manifest.text, sourceMap: manifest.sourceMap, documents: manifest.documents })
    : documentLocator(manifest.documents);
  const kubernetes = input.serverVersion ? parseVersion(input.serverVersion) : undefined;
  const policy = input.policy ?? ROLLBACK_POLICY;
  // Served or not was decided by the validation against discovery just before.
  const result = runChecks({ objects, locate, policy, serves: () => true, ...(kubernetes && { kubernetes }) });
  const file = showFileOf(manifest.format);
  const line = (f: Finding) => [findingLine(f, file), ...findingDetails(f, file)].join(' — ');
  const levels = input.policy ? describePolicy(input.policy) : 'a rollback: findings never block';
  if (result.findings.length === 0) {
    logger.info(`checks passed${result.suppressed.length ? ` (${result.suppressed.length} suppressed)` : ''}; levels: ${levels}`);
    return result;
  }
  logWarnings(result.findings.filter((f) => f.level === 'warning'), line, logger);
  for (const f of result.suppressed) logger.debug(() => line(f));
  logger.info(`checks: ${summary(result)}; levels: ${levels}`);
  const errors = result.findings.filter((f) => f.level === 'error');
  if (errors.length > 0) {
    throw new ValidationError(`${errors.length} ${errors.length === 1 ? 'check fails' : 'checks fail'} at the levels of ${input.policy?.environment ? `environment ${input.policy.environment}` : 'this deploy'}; nothing was applied`, {
      problems: errors.map(line),
      fix: 'fix the template lines above; or, where a finding is intended, annotate the object with check.eastern.io/<rule>: "<reason>"',
    });
  }
  return result;
}

/**
 * A deploy log that lists the same warning for every Deployment buries what
 * matters: a few of each rule in full, then one line that counts the rest.
 */
function logWarnings(warnings: readonly Finding[], line: (f: Finding) => string, logger: Logger): void {
  const byRule = new Map<string, Finding[]>();
  for (const f of warnings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  for (const [rule, list] of byRule) {
    list.forEach((f, i) => (i < WARNINGS_PER_RULE ? logger.warn(line(f)) : logger.debug(() => line(f))));
    const more = list.length - WARNINGS_PER_RULE;
    if (more > 0) logger.warn(`… and ${more} more [${rule}] ${more === 1 ? 'warning' : 'warnings'} like these (--verbose shows them; eastern check lists every finding)`);
  }
}
