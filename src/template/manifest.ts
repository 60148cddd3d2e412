// The documents of a rendered template as values (YAML 1.1 scalars, like kubectl),
// each with its template location; invalid YAML names the template line behind it.
import yaml from 'js-yaml';
import { chunks, firstContent, loadChunk, outputLines, type ManifestInput } from './documents.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';
import type { ManifestDocument } from './types.js';

/**
 * Parses every document of a rendered template. Throws a TemplateError naming the
 * template file:line (and include chain) behind the first invalid line.
 */
export function parseManifest(rendered: ManifestInput, cwd: string = process.cwd()): ManifestDocument[] {
  const lines = outputLines(rendered);
  const docs: ManifestDocument[] = [];
  for (const chunk of chunks(lines)) {
    const first = firstContent(lines, chunk);
    if (first < 0) continue;
    const value = loadChunk((text) => yaml.load(text, { filename: 'rendered', schema: KUBERNETES_SCHEMA }), lines, chunk, rendered.sourceMap, cwd);
    if (value === null || value === undefined) continue;
    docs.push({
      index: docs.length,
      outputLine: first + 1,
      source: rendered.sourceMap.at(first) ?? { file: 'rendered', line: first + 1 },
      value,
    });
  }
  return docs;
}
