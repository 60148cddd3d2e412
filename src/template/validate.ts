// Is a rendered template valid YAML? The common shape is vouched for by a scanner
// (yaml-subset.ts); every other document is parsed by js-yaml, loaded only then, so
// `eastern generate` of a plain template never pays for the YAML library.
import { createRequire } from 'node:module';
import { checkContentlessChunk, checkDocumentEnds, chunks, firstContent, loadChunk, outputLines, type ManifestInput } from './documents.js';
import { isCertainlyValidYaml } from './yaml-subset.js';

type JsYaml = typeof import('js-yaml');
let loaded: { js: JsYaml; options: { filename: string; schema: import('js-yaml').Schema } } | undefined;

/**
 * js-yaml, loaded on first need, with every scalar as a string (no type resolution
 * is needed to know the text is YAML) except merge keys, whose target must be a
 * mapping for PyYAML and kubectl.
 */
function jsYaml(): NonNullable<typeof loaded> {
  if (!loaded) {
    const js = createRequire(import.meta.url)('js-yaml') as JsYaml;
    // js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
    const merge = (js as unknown as { types: { merge: import('js-yaml').Type } }).types.merge;
    loaded = { js, options: { filename: 'rendered', schema: js.FAILSAFE_SCHEMA.extend({ implicit: [merge] }) } };
  }
  return loaded;
}

/** Throws parseManifest's TemplateError for the first invalid document; builds no values. */
export function validateManifest(rendered: ManifestInput, cwd: string = process.cwd()): void {
  const lines = outputLines(rendered);
  const list = chunks(lines);
  checkDocumentEnds(lines, list, rendered, cwd);
  for (const chunk of list) {
    if (firstContent(lines, chunk) < 0) {
      checkContentlessChunk(lines, chunk, rendered, cwd);
      continue;
    }
    if (isCertainlyValidYaml(lines, chunk.start, chunk.end)) continue;
    const { js, options } = jsYaml();
    loadChunk(js, options, lines, chunk, rendered, cwd);
  }
}
