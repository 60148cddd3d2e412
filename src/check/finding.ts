// The one way a rule module reports something.
import type { RuleId } from './catalog.js';
import type { CheckObject, FieldPath, RawFinding } from './types.js';

export function finding(rule: RuleId, target: CheckObject, path: FieldPath, message: string, fix: string): RawFinding {
  return { rule, target, path, message, fix };
}
