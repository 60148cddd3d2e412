// The template language (template-language.md): pure functions, no Kubernetes code.
export { render, MAX_DEPTH } from './render.js';
export { parseManifest, MAX_OBJECT_BYTES } from './manifest.js';
export { MAX_ALIAS_NODES, MAX_ALIAS_BYTES } from './yaml-rules.js';
export { validateManifest } from './validate.js';
export { parseDirective, type Directive } from './directive.js';
export { interpolate, checkVariables, templateVariables, type Variables } from './variables.js';
export { formatLocation, displayPath, includeChain } from './location.js';
export { nodeFs } from './fs.js';
export { SourceMap, type SourceMapLike } from './source-map.js';
export type { RenderOptions, Rendered, SourceLocation, TemplateFs, ManifestDocument } from './types.js';
