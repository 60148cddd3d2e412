// Running the checks: every rule over the objects, then the project's and the
// environment's levels, then suppressions by annotation. Pure: objects and a
// locator in, findings (with template locations) out.
import { isPlainObject } from '../kube/objects.js';
import { SUPPRESS_PREFIX, isRuleId, type RuleId, type Severity } from './catalog.js';
import { levelOf, reportedSeverity, type CheckPolicy } from './levels.js';
import { ALL_RULES } from './rules.js';
import type { CheckObject, FieldPath, Finding, KubernetesVersion, Locate, RawFinding, Rule } from './types.js';

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
  const place = new Map<Finding, RawFinding>();
  for (const r of raw) {
    if (input.only && !input.only.includes(r.rule)) continue;
    const { level } = levelOf(r.rule, input.policy);
    if (level === 'off') continue;
    const configured: Severity = level;
    const object = r.target.object;
    const at = once(() => input.locate(r.target.document, [...r.target.base, ...r.path]));
    const finding = {
      rule: r.rule,
      level: reportedSeverity(configured, input.policy),
      configured,
      object: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: r.target.namespace },
      message: r.message,
      fix: r.fix,
      ...(r.related && { related: r.related.map((x) => ({ location: input.locate(x.target.document, [...x.target.base, ...x.path]).location, label: x.label })) }),
    } as Finding;
    // Locating a field parses its document again; a deploy shows only a few of many
    // warnings, so the location is found when first read.
    Object.defineProperty(finding, 'location', { enumerable: true, get: () => at().location });
    place.set(finding, r);
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
  const byOutput = (a: Finding, b: Finding) => textOrder(place.get(a) as RawFinding, place.get(b) as RawFinding);
  findings.sort(byOutput);
  suppressed.sort(byOutput);
  return {
    findings,
    suppressed,
    errors: findings.filter((f) => f.level === 'error').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
  };
}

/**
 * Which of two findings comes first in the rendered text, without parsing it again:
 * documents are in output order, List items in index order, and an object's keys
 * in the order its YAML wrote them (a missing field is named at its parent, which
 * comes before the parent's fields). Integer-like keys are the one exception (a
 * JavaScript object puts them first); no rule reports a field under one.
 */
function textOrder(a: RawFinding, b: RawFinding): number {
  if (a.target.document !== b.target.document) return a.target.document - b.target.document;
  const base = comparePaths(undefined, a.target.base, b.target.base);
  if (base !== 0 || a.target !== b.target) return base;
  return comparePaths(a.target.object, a.path, b.path);
}

function comparePaths(root: unknown, a: FieldPath, b: FieldPath): number {
  let node = root;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) {
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      if (!isPlainObject(node)) return 0;
      const keys = Object.keys(node);
      return keys.indexOf(String(x)) - keys.indexOf(String(y));
    }
    node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[x] : undefined;
  }
  return 0;
}

function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}
