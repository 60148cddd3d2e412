// `eastern generate` / `render` as a function: render one or more templates with the
// same variables, check each result is YAML, and join them as one YAML stream.
// Used by the CLI and by the agent (which writes the text to the build).
import { UsageError } from '../errors.js';
// Not the template index: it would load js-yaml, which validation needs only as a fallback.
import { render } from './render.js';
import type { Rendered } from './types.js';
import { validateManifest } from './validate.js';
import { builtinVariables, templateVariables } from './variables.js';

/** Templates as `generate`, `render` and `check` take them: FILE [NAMESPACE], or -f … -n …, with -s, --root, --allow-undefined. */
export interface TemplateFilesOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  positional?: { file?: string; namespace?: string };
  file?: string[];
  namespace?: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
}

export interface GenerateOptions extends TemplateFilesOptions {
  onWarning: (message: string) => void;
}

/**
 * The templates and namespace asked for: FILE [NAMESPACE] or -f FILE… -n NAMESPACE,
 * not both. `command` names the command in the fixes.
 */
export function selectTemplates(options: TemplateFilesOptions, command: string): { files: string[]; namespace: string } {
  const files = options.file ?? [];
  const { file: positionalFile, namespace: positionalNamespace } = options.positional ?? {};
  if (files.length > 0 && positionalFile !== undefined) {
    throw new UsageError('give the template either as FILE [NAMESPACE] or with -f, not both', {
      fix: `eastern ${command === 'generate' ? 'render' : command} -f a.yaml -f b.yaml -n NAMESPACE`,
    });
  }
  if (files.length === 0 && positionalFile === undefined) {
    throw new UsageError('missing template FILE', { fix: `eastern ${command} FILE [NAMESPACE] [-s KEY=VALUE]…` });
  }
  if (positionalNamespace !== undefined && options.namespace !== undefined) {
    throw new UsageError('give the namespace either as the second argument or with -n, not both');
  }
  return { files: files.length > 0 ? files : [positionalFile as string], namespace: positionalNamespace ?? options.namespace ?? 'default' };
}

/** The rendered YAML stream of every template asked for. */
export function generate(options: GenerateOptions): string {
  const { files, namespace } = selectTemplates(options, 'generate');
  const variables = templateVariables(options.set ?? [], namespace, builtinVariables(options.env));
  const outputs: string[] = [];
  for (const file of files) {
    const rendered: Rendered = render({
      file,
      variables,
      cwd: options.cwd,
      ...(options.root !== undefined && { root: options.root }),
      allowUndefined: options.allowUndefined ?? false,
      onWarning: options.onWarning,
    });
    validateManifest(rendered, options.cwd);
    outputs.push(rendered.text);
  }
  return joinDocuments(outputs);
}

/** Joins rendered files as one YAML stream; a file that starts with --- needs no separator. */
export function joinDocuments(texts: readonly string[]): string {
  let out = '';
  for (const text of texts) {
    if (text === '') continue;
    const firstLine = text.split('\n', 1)[0] ?? '';
    if (out !== '' && !/^---(?:[ \t]|$)/.test(firstLine)) out += '---\n';
    out += text;
  }
  return out;
}
