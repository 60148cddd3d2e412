// The documents of a rendered template (split at `---` / `...`, keeping their line
// offsets) and the YAML error that points back at the template. No YAML library
// here: `eastern generate` loads js-yaml only when the fast check cannot vouch.
import { TemplateError } from '../errors.js';
import { formatLocation, includeChain } from './location.js';
import type { SourceMapLike } from './source-map.js';

const DOCUMENT_START = /^---(?:[ \t]|$)/;
const DOCUMENT_END = /^\.\.\.(?:[ \t]|$)/;
const NOT_CONTENT = /^[ \t]*(?:#.*)?$/;

/** One YAML document of the output: lines [start, end). */
export interface Chunk {
  start: number;
  end: number;
}

export type ManifestInput = { text: string; sourceMap: SourceMapLike; lines?: readonly string[] };

export function outputLines(rendered: ManifestInput): readonly string[] {
  if (rendered.lines) return rendered.lines;
  return rendered.text === '' ? [] : rendered.text.replace(/\n$/, '').split('\n');
}

/** Splits rendered lines at document markers. */
export function chunks(lines: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.charCodeAt(0) === 0x2d && DOCUMENT_START.test(line)) {
      out.push({ start, end: i });
      start = i;
    } else if (line.charCodeAt(0) === 0x2e && DOCUMENT_END.test(line)) {
      out.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  out.push({ start, end: lines.length });
  return out;
}

/** Index of the chunk's first content line (not blank, not a comment, not the `---` marker), or -1. */
export function firstContent(lines: readonly string[], chunk: Chunk): number {
  for (let i = chunk.start; i < chunk.end; i++) {
    const line = lines[i] as string;
    if (NOT_CONTENT.test(line)) continue;
    if (i === chunk.start && /^---[ \t]*(#.*)?$/.test(line)) continue;
    return i;
  }
  return -1;
}

/** Runs a YAML loader on one document's text; its YAML error becomes a TemplateError at the template line. */
export function loadChunk(load: (text: string) => unknown, lines: readonly string[], chunk: Chunk, map: SourceMapLike, cwd: string): unknown {
  try {
    return load(lines.slice(chunk.start, chunk.end).join('\n'));
  } catch (error) {
    throw yamlError(error, chunk, map, lines, cwd);
  }
}

interface YamlFailure extends Error {
  reason?: string;
  mark?: { line?: number; column?: number };
}

/** js-yaml's error (from either of its module builds) as a TemplateError at the template line; other errors unchanged. */
function yamlError(error: unknown, chunk: Chunk, map: SourceMapLike, lines: readonly string[], cwd: string): unknown {
  if (!(error instanceof Error) || error.name !== 'YAMLException') return error;
  const { mark, reason } = error as YamlFailure;
  const markLine = Math.min(Math.max(mark?.line ?? 0, 0), Math.max(chunk.end - chunk.start - 1, 0));
  const outputIndex = chunk.start + markLine;
  const loc = map.at(outputIndex);
  const column = mark?.column === undefined ? '' : `, column ${mark.column + 1}`;
  const where = loc ? `${formatLocation(loc, cwd)}: ` : '';
  return new TemplateError(`${where}the rendered template is not valid YAML: ${reason ?? error.message}`, {
    details: [
      `rendered line ${outputIndex + 1}${column}: ${JSON.stringify(lines[outputIndex] ?? '')}`,
      ...(loc ? includeChain(loc, cwd) : []),
    ],
    fix: 'check the indentation of that line and of the load directive that brought it in',
    cause: error,
  });
}
