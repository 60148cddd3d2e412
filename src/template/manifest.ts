// YAML validity of a rendered template, with errors pointing at the source line
// that produced the offending output line, and each document's template location.
import yaml from 'js-yaml';
import { TemplateError } from '../errors.js';
import { formatLocation, includeChain } from './location.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';
import type { ManifestDocument, Rendered, SourceLocation } from './types.js';

const DOCUMENT_START = /^---(?:[ \t]|$)/;
const DOCUMENT_END = /^\.\.\.(?:[ \t]|$)/;
const NOT_CONTENT = /^[ \t]*(?:#.*)?$/;

interface Chunk {
  /** 0-based output line of the chunk's first line. */
  start: number;
  lines: string[];
}

/** Splits rendered text at document markers, so each document keeps its line offset. */
function chunks(lines: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let current: Chunk = { start: 0, lines: [] };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (DOCUMENT_START.test(line)) {
      out.push(current);
      current = { start: i, lines: [line] };
    } else if (DOCUMENT_END.test(line)) {
      current.lines.push(line);
      out.push(current);
      current = { start: i + 1, lines: [] };
    } else {
      current.lines.push(line);
    }
  }
  out.push(current);
  return out;
}

/**
 * Parses every document of a rendered template. Throws a TemplateError naming the
 * template file:line (and include chain) behind the first invalid line.
 */
export function parseManifest(
  rendered: Pick<Rendered, 'text' | 'sourceMap'>,
  cwd: string = process.cwd(),
  options: { validateOnly?: boolean } = {},
): ManifestDocument[] {
  // Validation alone needs no type resolution: every scalar as a string is ~40% faster.
  const schema = options.validateOnly ? yaml.FAILSAFE_SCHEMA : KUBERNETES_SCHEMA;
  const lines = rendered.text === '' ? [] : rendered.text.replace(/\n$/, '').split('\n');
  const docs: ManifestDocument[] = [];
  for (const chunk of chunks(lines)) {
    const firstContent = chunk.lines.findIndex((l, i) => !NOT_CONTENT.test(l) && !(i === 0 && /^---[ \t]*(#.*)?$/.test(l)));
    if (firstContent < 0) continue;
    let value: unknown;
    try {
      value = yaml.load(chunk.lines.join('\n'), { filename: 'rendered', schema });
    } catch (error) {
      throw yamlError(error, chunk, rendered.sourceMap, lines, cwd);
    }
    if (value === null || value === undefined) continue;
    const outputLine = chunk.start + firstContent;
    docs.push({
      index: docs.length,
      outputLine: outputLine + 1,
      source: rendered.sourceMap[outputLine] ?? { file: 'rendered', line: outputLine + 1 },
      value,
    });
  }
  return docs;
}

function yamlError(error: unknown, chunk: Chunk, map: readonly SourceLocation[], lines: readonly string[], cwd: string): unknown {
  if (!(error instanceof yaml.YAMLException)) return error;
  const markLine = Math.min(Math.max(error.mark?.line ?? 0, 0), Math.max(chunk.lines.length - 1, 0));
  const outputIndex = chunk.start + markLine;
  const loc = map[outputIndex];
  const reason = error.reason ?? error.message;
  const column = error.mark?.column === undefined ? '' : `, column ${error.mark.column + 1}`;
  const where = loc ? `${formatLocation(loc, cwd)}: ` : '';
  return new TemplateError(`${where}the rendered template is not valid YAML: ${reason}`, {
    details: [
      `rendered line ${outputIndex + 1}${column}: ${JSON.stringify(lines[outputIndex] ?? '')}`,
      ...(loc ? includeChain(loc, cwd) : []),
    ],
    fix: 'check the indentation of that line and of the load directive that brought it in',
    cause: error,
  });
}
