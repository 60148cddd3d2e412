// `${NAME}` substitution. `$${NAME}` is the literal `${NAME}`; `${…}` that is not a
// NAME is left as written; substituted text is never scanned again.
import { TemplateError, UsageError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// One pass over the line: an optional extra `$` marks the escape.
const REFERENCE = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type Variables = Readonly<Record<string, string>>;

export interface UndefinedReference {
  name: string;
  /** 1-based column of the `$`. */
  column: number;
}

/**
 * Replaces references in one line. Undefined names are reported through
 * `onUndefined`, which either throws or returns the text to keep.
 */
export function interpolate(
  text: string,
  variables: Variables,
  onUndefined: (ref: UndefinedReference) => void,
): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole, escape: string, name: string, offset: number) => {
    if (escape) return whole.slice(1);
    const value = Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
    if (value === undefined) {
      onUndefined({ name, column: offset + 1 });
      return whole;
    }
    return value;
  });
}

/** Rejects names that are not NAMEs and values that could break lines. */
export function checkVariables(variables: Variables): void {
  for (const [name, value] of Object.entries(variables)) {
    if (!NAME.test(name)) {
      throw new TemplateError(`variable name "${name}" is not valid: use letters, digits and _, not starting with a digit`, {
        fix: `rename it, e.g. -s ${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1')}=…`,
      });
    }
    if (/[\r\n]/.test(value)) {
      throw new TemplateError(`the value of variable ${name} contains a line break, which could inject YAML`, {
        fix: `pass a single-line value for ${name}; for multi-line content, put it in a partial file and load it`,
      });
    }
  }
}

/**
 * Parses `-s KEY=VALUE` items (later wins) into variables, with NAMESPACE from the
 * positional argument winning over any `-s NAMESPACE=…`.
 */
export function templateVariables(
  sets: readonly string[],
  namespace: string,
  builtins: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(builtins)) if (v !== undefined) variables[k] = v;
  for (const item of sets) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`-s "${item}" must be in the form KEY=VALUE`, { fix: `write -s ${item || 'KEY'}=value` });
    }
    variables[item.slice(0, eq)] = item.slice(eq + 1);
  }
  variables.NAMESPACE = namespace;
  return variables;
}

/** Variables the tool itself provides: the agent exports ENVIRONMENT and CLUSTER. */
export function builtinVariables(env: NodeJS.ProcessEnv = {}): Record<string, string | undefined> {
  return { ENVIRONMENT: env.EASTERN_ENVIRONMENT, CLUSTER: env.EASTERN_CLUSTER };
}
