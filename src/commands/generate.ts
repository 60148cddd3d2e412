// `eastern generate FILE [NAMESPACE]` (Python eastern compatible) and
// `eastern render -f A -f B [-n NS]`.
import { UsageError } from '../errors.js';
import { processIo, type Io } from '../output/logger.js';
// Not the template index: it would load js-yaml, which validation needs only as a fallback.
import { render } from '../template/render.js';
import type { Rendered } from '../template/types.js';
import { validateManifest } from '../template/validate.js';
import { templateVariables } from '../template/variables.js';

export interface GenerateOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  positional?: { file?: string; namespace?: string };
  file?: string[];
  namespace?: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
}

/** Variables the tool itself provides: the agent exports ENVIRONMENT and CLUSTER. */
export function builtinVariables(env: NodeJS.ProcessEnv = {}): Record<string, string | undefined> {
  return { ENVIRONMENT: env.EASTERN_ENVIRONMENT, CLUSTER: env.EASTERN_CLUSTER };
}

export async function run(options: GenerateOptions): Promise<number> {
  const io = options.io ?? processIo;
  const files = options.file ?? [];
  const { file: positionalFile, namespace: positionalNamespace } = options.positional ?? {};
  if (files.length > 0 && positionalFile !== undefined) {
    throw new UsageError('give the template either as FILE [NAMESPACE] or with -f, not both', {
      fix: 'eastern render -f a.yaml -f b.yaml -n NAMESPACE',
    });
  }
  if (files.length === 0 && positionalFile === undefined) {
    throw new UsageError('missing template FILE', { fix: 'eastern generate FILE [NAMESPACE] [-s KEY=VALUE]…' });
  }
  if (positionalNamespace !== undefined && options.namespace !== undefined) {
    throw new UsageError('give the namespace either as the second argument or with -n, not both');
  }
  const namespace = positionalNamespace ?? options.namespace ?? 'default';
  const variables = templateVariables(options.set ?? [], namespace, builtinVariables(options.env));

  const outputs: string[] = [];
  for (const file of files.length > 0 ? files : [positionalFile as string]) {
    const rendered: Rendered = render({
      file,
      variables,
      cwd: options.cwd,
      ...(options.root !== undefined && { root: options.root }),
      allowUndefined: options.allowUndefined ?? false,
      onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
    });
    validateManifest(rendered, options.cwd);
    outputs.push(rendered.text);
  }
  io.stdout.write(joinDocuments(outputs));
  return 0;
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
