// The documents of a rendered template as values (YAML 1.1 scalars, like kubectl),
// each with its template location; invalid YAML names the template line behind it.
import yaml from 'js-yaml';
import { checkContentlessChunk, checkDocumentEnds, chunks, errorAtOutputLine, firstContent, loadChunk, outputLines, redaction, type Chunk, type ManifestInput } from './documents.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';
import { formatBytes, MAX_ALIAS_BYTES, sizeOf } from './yaml-rules.js';
import type { ManifestDocument } from './types.js';

/** The largest object (as JSON) a manifest may hold: the Kubernetes API server's default limit for a request body. */
export const MAX_OBJECT_BYTES = 3 * 1024 * 1024;

const LOAD_OPTIONS = { filename: 'rendered', schema: KUBERNETES_SCHEMA };

/**
 * Parses every document of a rendered template. Throws a TemplateError naming the
 * template file:line (and include chain) behind the first invalid line, the first
 * alias that expands too far, or the first object too large to send.
 */
export function parseManifest(rendered: ManifestInput, cwd: string = process.cwd()): ManifestDocument[] {
  const lines = outputLines(rendered);
  const docs: ManifestDocument[] = [];
  const list = chunks(lines);
  checkDocumentEnds(lines, list, rendered, cwd);
  for (const chunk of list) {
    const first = firstContent(lines, chunk);
    if (first < 0) {
      checkContentlessChunk(lines, chunk, rendered, cwd);
      continue;
    }
    const value = loadChunk(yaml, LOAD_OPTIONS, lines, chunk, rendered, cwd);
    if (value === null || value === undefined) continue;
    checkSize(value, lines, chunk, first, rendered, cwd);
    docs.push({
      index: docs.length,
      outputLine: first + 1,
      source: rendered.sourceMap.at(first) ?? { file: 'rendered', line: first + 1 },
      value,
    });
  }
  return docs;
}

/**
 * An object larger than the API server takes is refused here, before any request.
 * Its JSON is at most about three times its YAML text, plus what aliases add
 * (bounded by MAX_ALIAS_BYTES), so only large documents are measured.
 */
function checkSize(value: unknown, lines: readonly string[], chunk: Chunk, first: number, input: ManifestInput, cwd: string): void {
  let chars = 0;
  for (let i = chunk.start; i < chunk.end; i++) chars += (lines[i] as string).length + 1;
  if (chars * 3 + MAX_ALIAS_BYTES <= MAX_OBJECT_BYTES) return;
  const { bytes } = sizeOf(value);
  if (bytes <= MAX_OBJECT_BYTES) return;
  throw errorAtOutputLine(input, lines, first, redaction(lines, chunk, input), cwd, {
    message: `this object is about ${formatBytes(bytes)} as JSON, more than the ${MAX_OBJECT_BYTES / 1024 / 1024} MiB the Kubernetes API server accepts in one request`,
    fix: 'split its data over several objects (e.g. several ConfigMaps), or keep large files out of the manifest (in the image, or a volume)',
  });
}
