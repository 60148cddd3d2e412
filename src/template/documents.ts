// The documents of a rendered template (split at `---` / `...`, keeping their line
// offsets) and the YAML error that points back at the template. No YAML library
// here (only its types): `eastern generate` loads js-yaml only when the fast check
// cannot vouch, and passes it in.
import type { LoadOptions } from 'js-yaml';
import { TemplateError } from '../errors.js';
import { formatLocation, includeChain } from './location.js';
import { isSecretDocument, isSensitive, redactLine, redactReason, type Redaction } from './redact.js';
import type { SourceMapLike } from './source-map.js';
import { checkContentless, loadStrict, LONG_KEY, YamlRuleError, type YamlLoader } from './yaml-rules.js';


const DOCUMENT_START = /^---(?:[ \t]|$)/;
const DOCUMENT_END = /^\.\.\.(?:[ \t]|$)/;
const NOT_CONTENT = /^[ \t]*(?:#.*)?$/;

/** One YAML document of the output: lines [start, end). */
export interface Chunk {
  start: number;
  end: number;
}

export type ManifestInput = {
  text: string;
  sourceMap: SourceMapLike;
  lines?: readonly string[];
  /** Values never to print in an error (render() gives those of secret-looking variables). */
  secretValues?: readonly string[];
};

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

/**
 * `...` (document end) where PyYAML refuses it: before any document (go-yaml
 * refuses that too), or followed by content without a `---` first. js-yaml reads
 * each document alone, so these are checked across the stream.
 */
export function checkDocumentEnds(lines: readonly string[], list: readonly Chunk[], input: ManifestInput, cwd: string): void {
  let started = false;
  let ended = false;
  for (const chunk of list) {
    if (chunk.end === chunk.start) continue;
    const marker = DOCUMENT_START.test(lines[chunk.start] as string);
    const closes = DOCUMENT_END.test(lines[chunk.end - 1] as string);
    let content = firstContent(lines, chunk);
    if (closes && content === chunk.end - 1) content = -1;
    let problem: { index: number; message: string; fix: string } | undefined;
    if (ended && !marker && content >= 0) {
      problem = { index: content, message: 'content after a document end marker "..." without a "---" first (PyYAML refuses it)', fix: 'put a "---" line before this document, or remove the "..." line above it' };
    } else if (!started && !marker && content < 0 && closes) {
      problem = { index: chunk.end - 1, message: 'a document end marker "..." before any document (PyYAML and kubectl refuse it)', fix: 'remove the "..." line' };
    }
    if (problem) {
      throw errorAtOutputLine(input, lines, problem.index, redaction(lines, chunk, input), cwd,
        { message: `the rendered template is not valid YAML: ${problem.message}`, fix: problem.fix });
    }
    if (marker || content >= 0) started = true;
    if (closes) ended = true;
    else if (marker) ended = false;
  }
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

/** Loads one document with js-yaml and the stricter readers' rules (yaml-rules.ts); a YAML error becomes a TemplateError at the template line. */
export function loadChunk(yaml: YamlLoader, options: LoadOptions, lines: readonly string[], chunk: Chunk, input: ManifestInput, cwd: string): unknown {
  let longLine = false;
  for (let i = chunk.start; i < chunk.end && !longLine; i++) longLine = (lines[i] as string).length >= LONG_KEY;
  try {
    return loadStrict(yaml, lines.slice(chunk.start, chunk.end).join('\n'), options, longLine);
  } catch (error) {
    throw yamlError(error, chunk, input, lines, cwd);
  }
}

/** A document without content (comments, blank lines) still follows the readers' rules on tabs and line breaks. */
export function checkContentlessChunk(lines: readonly string[], chunk: Chunk, input: ManifestInput, cwd: string): void {
  for (let i = chunk.start; i < chunk.end; i++) {
    if (!SPECIAL.test(lines[i] as string)) continue;
    try {
      checkContentless(lines.slice(chunk.start, chunk.end).join('\n'));
    } catch (error) {
      throw yamlError(error, chunk, input, lines, cwd);
    }
    return;
  }
}

const SPECIAL = /[\t\u0085\u2028\u2029]/;

/** How errors about this document's lines must hide its values. */
export function redaction(lines: readonly string[], chunk: Chunk, input: ManifestInput): Redaction {
  return { secretDocument: isSecretDocument(lines, chunk.start, chunk.end), values: input.secretValues ?? [] };
}

/** A TemplateError at the template line behind output line `index`, showing that line as the redaction allows. */
export function errorAtOutputLine(
  input: ManifestInput, lines: readonly string[], index: number, r: Redaction, cwd: string,
  problem: { message: string; column?: number; fix: string; cause?: unknown },
): TemplateError {
  const loc = input.sourceMap.at(index);
  const where = loc ? `${formatLocation(loc, cwd)}: ` : '';
  const column = problem.column === undefined ? '' : `, column ${problem.column}`;
  return new TemplateError(`${where}${problem.message}`, {
    details: [
      `rendered line ${index + 1}${column}: ${JSON.stringify(redactLine(lines[index] ?? '', r))}`,
      ...(r.secretDocument ? ['(the values of a Secret are not shown)'] : []),
      ...(loc ? includeChain(loc, cwd) : []),
    ],
    fix: problem.fix,
    cause: problem.cause,
  });
}

interface YamlFailure extends Error {
  reason?: string;
  mark?: { line?: number; column?: number };
}

/** js-yaml's error (from either of its module builds) or a broken rule as a TemplateError at the template line; other errors unchanged. */
function yamlError(error: unknown, chunk: Chunk, input: ManifestInput, lines: readonly string[], cwd: string): unknown {
  const rule = error instanceof YamlRuleError;
  if (!(error instanceof Error) || (!rule && error.name !== 'YAMLException')) return error;
  const { mark, reason } = error as YamlFailure;
  const markLine = Math.min(Math.max(mark?.line ?? 0, 0), Math.max(chunk.end - chunk.start - 1, 0));
  const r = redaction(lines, chunk, input);
  return errorAtOutputLine(input, lines, chunk.start + markLine, r, cwd, {
    message: `${rule ? error.verdict : 'the rendered template is not valid YAML'}: ${redactReason(reason ?? error.message, r)}`,
    ...(mark?.column !== undefined && { column: mark.column + 1 }),
    fix: rule ? error.fix : 'check the indentation of that line and of the load directive that brought it in',
    // js-yaml's own message quotes the neighbouring lines (printed under --verbose): kept only when nothing there is secret.
    cause: rule || isSensitive(lines, chunk.start, chunk.end, r) ? undefined : error,
  });
}
