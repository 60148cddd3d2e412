// Running the checks: every rule over the objects, then the project's and the
// environment's levels, then suppressions by annotation. Pure: objects and a
// locator in, findings (with template locations) out.
import { isPlainObject } from '../kube/objects.js';
import { SUPPRESS_PREFIX, isRuleId, type RuleId, type Severity } from './catalog.js';
import { levelOf, reportedSeverity, type CheckPolicy } from './levels.js';
import { ALL_RULES } from './rules.js';
import type { CheckObject, Finding, KubernetesVersion, Locate, RawFinding, Rule } from './types.js';

export interface CheckInput {
  objects: readonly CheckObject[];
  locate: Locate;
  policy?: CheckPolicy;
  kubernetes?: KubernetesVersion;
  serves?: (apiVersion: string, kind: string) => boolean;
  targetName?: string;
  /** Only these rules (upgrade-check runs the API rules alone). */
  only?: readonly RuleId[];
  rules?: readonly Rule[];
}

export interface CheckResult {
  /** Reported findings, in template order. */
  findings: Finding[];
  /** Findings an annotation with a reason suppressed. */
  suppressed: Finding[];
  errors: number;
  warnings: number;
}

/** `check.eastern.io/<rule>` annotations that name no rule. */
function unknownSuppressions(objects: readonly CheckObject[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (const o of objects) {
    const annotations = o.object.metadata.annotations;
    if (!isPlainObject(annotations)) continue;
    for (const key of Object.keys(annotations)) {
      if (!key.startsWith(SUPPRESS_PREFIX) || isRuleId(key.slice(SUPPRESS_PREFIX.length))) continue;
      out.push({
        rule: 'suppression',
        target: o,
        path: ['metadata', 'annotations', key],
        message: `annotation ${key} suppresses nothing: "${key.slice(SUPPRESS_PREFIX.length)}" is not a rule`,
        fix: 'write check.eastern.io/<rule> with a rule id from the README (e.g. check.eastern.io/host-path), or remove it',
      });
    }
  }
  return out;
}

/** The reason an annotation gives for suppressing `rule` on the object ('' when the annotation has none), or undefined. */
function suppression(o: CheckObject, rule: RuleId): { annotation: string; reason: string } | undefined {
  const annotations = o.object.metadata.annotations;
  const annotation = `${SUPPRESS_PREFIX}${rule}`;
  if (!isPlainObject(annotations) || !Object.hasOwn(annotations, annotation)) return undefined;
  const value = annotations[annotation];
  return { annotation, reason: typeof value === 'string' ? value.trim() : value === null || value === undefined ? '' : String(value).trim() };
}

export function runChecks(input: CheckInput): CheckResult {
  const rules = input.rules ?? ALL_RULES;
  const ctx = { objects: input.objects, ...(input.kubernetes && { kubernetes: input.kubernetes }), ...(input.serves && { serves: input.serves }), ...(input.targetName && { targetName: input.targetName }) };
  const raw = [...rules.flatMap((r) => (input.only && !r.ids.some((id) => input.only?.includes(id)) ? [] : r.check(ctx))), ...(input.only ? [] : unknownSuppressions(input.objects))];
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const order = new Map<Finding, number>();
  for (const r of raw) {
    if (input.only && !input.only.includes(r.rule)) continue;
    const { level } = levelOf(r.rule, input.policy);
    if (level === 'off') continue;
    const configured: Severity = level;
    const object = r.target.object;
    const at = input.locate(r.target.document, [...r.target.base, ...r.path]);
    const finding: Finding = {
      rule: r.rule,
      level: reportedSeverity(configured, input.policy),
      configured,
      object: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: r.target.namespace },
      location: at.location,
      message: r.message,
      fix: r.fix,
      ...(r.related && { related: r.related.map((x) => ({ location: input.locate(x.target.document, [...x.target.base, ...x.path]).location, label: x.label })) }),
    };
    order.set(finding, at.order);
    const s = r.rule === 'suppression' ? undefined : suppression(r.target, r.rule);
    if (s && s.reason !== '') {
      finding.suppressed = s;
      suppressed.push(finding);
      continue;
    }
    if (s) {
      finding.message += ` (${s.annotation} does not suppress it: it gives no reason)`;
      finding.fix = `${finding.fix}; or write why it is fine here as the annotation's value: ${s.annotation}: "<reason>"`;
    }
    findings.push(finding);
  }
  // In the order of the rendered manifest (stable: one field's findings keep the rules' order).
  const byOutput = (a: Finding, b: Finding) => (order.get(a) as number) - (order.get(b) as number);
  findings.sort(byOutput);
  suppressed.sort(byOutput);
  return {
    findings,
    suppressed,
    errors: findings.filter((f) => f.level === 'error').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
  };
}
