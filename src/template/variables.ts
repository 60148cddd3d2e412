// `${NAME}` substitution. `$${NAME}` is the literal `${NAME}`; `${…}` that is not a
// NAME is left as written; substituted text is never scanned again.
import { TemplateError, UsageError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  let at = text.indexOf('${');
  if (at < 0) return text;
  // A reference runs from `${` to the first `}` (as in the Python tool): when what
  // lies between is not a NAME, all of it stays as written, so the `${B}` of
  // `${A:-${B}}` is not substituted. Without a `}`, the rest of the line is text.
  let out = '';
  let from = 0;
  while (at >= 0) {
    const close = text.indexOf('}', at + 2);
    if (close < 0) break;
    const name = text.slice(at + 2, close);
    if (NAME.test(name)) {
      if (at > from && text.charCodeAt(at - 1) === 0x24) {
        out += text.slice(from, at - 1) + text.slice(at, close + 1);
      } else {
        const value = Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
        if (value === undefined) onUndefined({ name, column: at + 1 });
        out += text.slice(from, at) + (value ?? text.slice(at, close + 1));
      }
      from = close + 1;
    }
    at = text.indexOf('${', close + 1);
  }
  return from === 0 ? text : out + text.slice(from);
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
