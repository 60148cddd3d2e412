// The project's own levels: eastern-checks.yaml next to the top-level template.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { ValidationError } from '../errors.js';
import { PROJECT_FILE, parseProjectChecks, type ProjectChecks } from './levels.js';

/** The project file of a template, or undefined when there is none; invalid files throw, naming the field. */
export function readProjectChecks(template: string, show: (file: string) => string): ProjectChecks | undefined {
  const path = join(dirname(template), PROJECT_FILE);
  if (!existsSync(path)) return undefined;
  const file = show(path);
  let value: unknown;
  try {
    value = yaml.load(readFileSync(path, 'utf8'), { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const e = error as { mark?: { line: number }; reason?: string; message: string };
    throw new ValidationError(`${file}${e.mark ? `:${e.mark.line + 1}` : ''}: invalid YAML: ${e.reason ?? e.message}`, { fix: 'correct the YAML syntax at that line' });
  }
  const { checks, problems } = parseProjectChecks(value, file);
  if (problems.length > 0) {
    throw new ValidationError(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`} in the project's check levels`, { problems, fix: 'correct the fields named above (README, "Checks")' });
  }
  return checks;
}
