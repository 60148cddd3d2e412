// What a deploy applies: a rendered manifest, its parsed documents, and how to
// name the place each document came from. From a template (render), from a stored
// revision (rollback), or from text a person edited (--edit).
import { formatLocation, parseManifest, render, templateVariables } from '../template/index.js';
import type { SourceMapLike } from '../template/source-map.js';
import type { ManifestDocument, SourceLocation } from '../template/types.js';
import { builtinVariables } from '../template/variables.js';

export type FormatLocation = (loc: SourceLocation) => string;

export interface ManifestInput {
  /** The rendered manifest, stored in the release record. */
  text: string;
  documents: readonly ManifestDocument[];
  format: FormatLocation;
  /** Values of secret-looking variables it was rendered with: errors about its text mask them. */
  secretValues?: readonly string[];
  /** Rendered line → template line, for checks that name a field's own line. */
  sourceMap?: SourceMapLike;
}

/** A template to render, as the cluster commands take it (FILE [NAMESPACE], -s, --root, --allow-undefined). */
export interface TemplateOptions {
  file: string;
  namespace?: string;
  set?: string[];
  root?: string;
  allowUndefined?: boolean;
}

export interface RenderManifestOptions extends TemplateOptions {
  cwd: string;
  namespace: string;
  env: NodeJS.ProcessEnv;
  /** Extra variables that win over -s (eastern job's IMAGE_TAG). */
  overrides?: Record<string, string>;
}

/** Renders and parses the template; locations point at template files. */
export function renderManifest(options: RenderManifestOptions, onWarning: (m: string) => void): { manifest: ManifestInput; variables: Record<string, string> } {
  const variables = { ...templateVariables(options.set ?? [], options.namespace, builtinVariables(options.env)), ...options.overrides };
  const rendered = render({
    file: options.file,
    variables,
    cwd: options.cwd,
    ...(options.root !== undefined && { root: options.root }),
    allowUndefined: options.allowUndefined ?? false,
    onWarning,
  });
  const documents = parseManifest(rendered, options.cwd);
  return { manifest: { text: rendered.text, documents, format: (loc) => formatLocation(loc, options.cwd), secretValues: rendered.secretValues, sourceMap: rendered.sourceMap }, variables };
}

/** A manifest given as text (a stored revision, an edited file); locations read "<label>:line". */
export function manifestFromText(text: string, label: string, cwd: string, secretValues: readonly string[] = []): ManifestInput {
  const normalised = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  const lines = normalised === '' ? [] : normalised.replace(/\n$/, '').split('\n');
  const sourceMap = lines.map((_, i) => ({ file: label, line: i + 1 }));
  const documents = parseManifest({ text: normalised, sourceMap, secretValues }, cwd);
  return { text: normalised, documents, format: (loc) => `${loc.file}:${loc.line}`, secretValues, sourceMap };
}
