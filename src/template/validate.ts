// Is a rendered template valid YAML? The common shape is vouched for by a scanner
// (yaml-subset.ts); every other document is parsed by js-yaml, loaded only then, so
// `eastern generate` of a plain template never pays for the YAML library.
import { createRequire } from 'node:module';
import { chunks, firstContent, loadChunk, outputLines, type ManifestInput } from './documents.js';
import { isCertainlyValidYaml } from './yaml-subset.js';

type JsYaml = typeof import('js-yaml');
let jsYaml: JsYaml | undefined;

/** Throws parseManifest's TemplateError for the first invalid document; builds no values. */
export function validateManifest(rendered: ManifestInput, cwd: string = process.cwd()): void {
  const lines = outputLines(rendered);
  for (const chunk of chunks(lines)) {
    if (firstContent(lines, chunk) < 0 || isCertainlyValidYaml(lines, chunk.start, chunk.end)) continue;
    const js = (jsYaml ??= createRequire(import.meta.url)('js-yaml') as JsYaml);
    // Every scalar as a string: no type resolution is needed to know the text is YAML.
    loadChunk(js, { filename: 'rendered', schema: js.FAILSAFE_SCHEMA }, lines, chunk, rendered, cwd);
  }
}
