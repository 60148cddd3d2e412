// Levels: how loud each rule is, per environment and per project.
//
//   rule default  <  project file (all environments)  <  project file (this environment)
//                 <  the environment in agents/*.yaml (the platform team's word is last)
//
// and whether errors stop a deploy (`errors: block`, the default) or are only
// reported as warnings (`errors: warn`) is the environment's alone. The same parsers
// validate the `checks:` section of agent files (src/fleet/schema.ts) and the
// project file `eastern-checks.yaml`, so both report problems the same way.
import { isPlainObject } from '../kube/objects.js';
import { RULE_IDS, isRuleId, ruleInfo, type Level, type RuleId, type Severity } from './catalog.js';

export type RuleLevels = Partial<Record<RuleId, Level>>;

/** The `checks.<environment>` section of an agent file. */
export interface EnvironmentChecks {
  /** `block`: a finding at level error stops the deploy; `warn`: it is reported as a warning. */
  errors: 'block' | 'warn';
  rules: RuleLevels;
}

/** The project file next to the top-level template. */
export interface ProjectChecks {
  /** As shown in messages. */
  file: string;
  rules: RuleLevels;
  environments: Record<string, RuleLevels>;
}

export interface CheckPolicy {
  environment?: string;
  /** The environment's settings and the agent file they came from. */
  fleet?: EnvironmentChecks & { source: string };
  project?: ProjectChecks;
}

export const PROJECT_FILE = 'eastern-checks.yaml';
export const DEFAULT_ENVIRONMENT_CHECKS: EnvironmentChecks = { errors: 'block', rules: {} };

/** Reports one problem at a field path. */
export type Report = (path: string, message: string, fix?: string) => void;

const LEVELS: readonly Level[] = ['error', 'warning', 'off'];

function suggest(id: string): string {
  const plain = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  const near = RULE_IDS.filter((r) => plain(r) === plain(id) || (plain(id).length > 3 && (plain(r).includes(plain(id)) || plain(id).includes(plain(r)))));
  return near.length ? `did you mean ${near.join(' or ')}?` : `known rules: ${RULE_IDS.join(', ')}`;
}

/** `rule-id: error|warning|off` pairs. */
export function parseRuleLevels(value: unknown, path: string, report: Report): RuleLevels {
  const out: RuleLevels = {};
  if (value === undefined || value === null) return out;
  if (!isPlainObject(value)) {
    report(path, 'must be a mapping of rule id to level', `write e.g. ${path}: { image-tag: error, disruption-budget: off }`);
    return out;
  }
  for (const [id, level] of Object.entries(value)) {
    if (!isRuleId(id)) {
      report(`${path}.${id}`, 'is not a rule', suggest(id));
      continue;
    }
    // YAML 1.1 reads a bare `off` as false.
    const text = level === false ? 'off' : level;
    if (typeof text !== 'string' || !LEVELS.includes(text as Level)) {
      report(`${path}.${id}`, `must be error, warning or off, got ${JSON.stringify(level)}`, `write ${id}: error`);
      continue;
    }
    out[id] = text as Level;
  }
  return out;
}

/** One environment's `checks:` entry in an agent file. */
export function parseEnvironmentChecks(value: unknown, path: string, report: Report): EnvironmentChecks | undefined {
  if (!isPlainObject(value)) {
    report(path, 'must be a mapping with errors and/or rules', `write e.g. ${path}: { errors: block, rules: { image-tag: error } }`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'errors' && key !== 'rules') report(`${path}.${key}`, 'unknown field', 'known fields here: errors, rules');
  }
  let errors: EnvironmentChecks['errors'] = 'block';
  if (value.errors !== undefined) {
    if (value.errors === 'block' || value.errors === 'warn') errors = value.errors;
    else report(`${path}.errors`, `must be block or warn, got ${JSON.stringify(value.errors)}`, 'block: errors stop the deploy; warn: every finding is only printed');
  }
  return { errors, rules: parseRuleLevels(value.rules, `${path}.rules`, report) };
}

/** The parsed project file; problems name the file and the field. */
export function parseProjectChecks(value: unknown, file: string): { checks: ProjectChecks; problems: string[] } {
  const problems: string[] = [];
  const report: Report = (path, message, fix) => problems.push(`${file}: ${path}: ${message}${fix ? ` — fix: ${fix}` : ''}`);
  const checks: ProjectChecks = { file, rules: {}, environments: {} };
  if (value === null || value === undefined) return { checks, problems };
  if (!isPlainObject(value)) {
    problems.push(`${file}: must be a mapping with rules and/or environments — fix: write e.g. "rules: { disruption-budget: off }"`);
    return { checks, problems };
  }
  for (const key of Object.keys(value)) {
    if (key !== 'rules' && key !== 'environments') report(key, 'unknown field', 'known fields: rules, environments');
  }
  checks.rules = parseRuleLevels(value.rules, 'rules', report);
  if (value.environments !== undefined && value.environments !== null) {
    if (!isPlainObject(value.environments)) {
      report('environments', 'must be a mapping of environment to { rules: … }', 'write e.g. environments: { production: { rules: { image-tag: error } } }');
    } else {
      for (const [env, entry] of Object.entries(value.environments)) {
        if (!isPlainObject(entry) || Object.keys(entry).some((k) => k !== 'rules')) {
          report(`environments.${env}`, 'must be a mapping with rules only (whether errors block is the environment\'s decision, in agents/*.yaml)', `write environments: { ${env}: { rules: { image-tag: error } } }`);
          continue;
        }
        checks.environments[env] = parseRuleLevels(entry.rules, `environments.${env}.rules`, report);
      }
    }
  }
  return { checks, problems };
}

/** The level a rule has under a policy, and which setting decided it. */
export function levelOf(rule: RuleId, policy: CheckPolicy = {}): { level: Level; from: string } {
  const env = policy.environment;
  const fleet = policy.fleet?.rules[rule];
  if (fleet !== undefined) return { level: fleet, from: `${policy.fleet?.source}: checks.${env}.rules` };
  const projectEnv = env !== undefined ? policy.project?.environments[env]?.[rule] : undefined;
  if (projectEnv !== undefined) return { level: projectEnv, from: `${policy.project?.file}: environments.${env}` };
  const project = policy.project?.rules[rule];
  if (project !== undefined) return { level: project, from: `${policy.project?.file}: rules` };
  return { level: ruleInfo(rule).level, from: 'default' };
}

/** The severity a finding is reported with: errors become warnings where the environment only warns. */
export function reportedSeverity(level: Severity, policy: CheckPolicy = {}): Severity {
  return level === 'error' && policy.fleet?.errors === 'warn' ? 'warning' : level;
}

/** One line for logs: which levels apply. */
export function describePolicy(policy: CheckPolicy): string {
  const parts: string[] = [];
  if (policy.environment) {
    parts.push(policy.fleet
      ? `environment ${policy.environment} (${policy.fleet.source}: errors ${policy.fleet.errors})`
      : `environment ${policy.environment} (no checks settings for it in the fleet: default levels, errors block)`);
  } else {
    parts.push('no environment (default levels, errors block)');
  }
  if (policy.project) parts.push(`project levels from ${policy.project.file}`);
  return parts.join('; ');
}
