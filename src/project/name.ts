// The project: the unit of release, lock and prune. Named by --name, else by the
// directory holding the top-level template (projects/sentry/kubernetes.yaml → sentry).

import { basename, dirname, resolve } from 'node:path';
import { ValidationError } from '../errors.js';

/** Longest project name: a Kubernetes label value. */
export const PROJECT_NAME_MAX_LENGTH = 63;
/**
 * Lower-case letters, digits and '-', starting and ending with a letter or digit: a label value
 * and a part of object names. Unanchored, as the generated Jenkins library matches it with `==~`.
 */
export const PROJECT_NAME_PATTERN = `[a-z0-9]([-a-z0-9]{0,${PROJECT_NAME_MAX_LENGTH - 2}}[a-z0-9])?`;
const VALID = new RegExp(`^(?:${PROJECT_NAME_PATTERN})$`);

/** A name tidied into a usable project name ('' when nothing usable is left). */
export function tidyProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, PROJECT_NAME_MAX_LENGTH).replace(/-+$/, '');
}

export function projectName(options: { name?: string; file: string; cwd: string }): string {
  const fromDir = options.name === undefined;
  const name = options.name ?? basename(dirname(resolve(options.cwd, options.file)));
  if (!VALID.test(name)) {
    const suggestion = tidyProjectName(name) || 'my-project';
    throw new ValidationError(
      fromDir
        ? `project name "${name}" (the name of the template's directory) is not usable: it must be lower-case letters, digits and '-', at most ${PROJECT_NAME_MAX_LENGTH} characters`
        : `--name "${name}" is not usable: it must be lower-case letters, digits and '-', at most ${PROJECT_NAME_MAX_LENGTH} characters`,
      { fix: `pass --name ${suggestion}` },
    );
  }
  return name;
}

/** Checks a project name given on the command line (history, rollback). */
export function checkProjectName(name: string): string {
  if (!VALID.test(name)) {
    throw new ValidationError(`project name "${name}" is not valid: lower-case letters, digits and '-', at most ${PROJECT_NAME_MAX_LENGTH} characters`);
  }
  return name;
}

/**
 * For `eastern job`: --name as given (checked), else the template's folder name
 * tidied (a job is not a release; a folder name that is no valid project name only
 * needs tidying).
 */
export function projectNameOrFolder(options: { name?: string; file: string; cwd: string }): string {
  if (options.name !== undefined) return projectName(options);
  return tidyProjectName(basename(dirname(resolve(options.cwd, options.file)))) || 'job';
}
