import type { SourceMap } from './source-map.js';

/** Where an output line came from. `file` is an absolute path. Lines are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  /** The directive that loaded `file`, if any (its own location, recursively). */
  via?: SourceLocation;
}

export interface TemplateFs {
  readFile(path: string): string;
  /** Resolves symlinks; throws ENOENT when missing. */
  realpath(path: string): string;
  /** 'file' | 'dir' | 'other', or undefined when it does not exist. */
  kind(path: string): 'file' | 'dir' | 'other' | undefined;
  /** True when `dir` holds a `.git` entry (file or folder). */
  hasGit(dir: string): boolean;
}

export interface RenderOptions {
  /** Top-level template (absolute, or relative to `cwd`). */
  file: string;
  /** Flat string variables, NAMESPACE included. */
  variables: Readonly<Record<string, string>>;
  /** Partials must stay inside it (default: git work tree of `file`, else its folder). */
  root?: string;
  /** Leave undefined variables as written and warn instead of failing. */
  allowUndefined?: boolean;
  /** Receives warnings (undefined variables under allowUndefined). */
  onWarning?: (message: string) => void;
  /** Used to shorten paths in messages (default: process.cwd()). */
  cwd?: string;
  /** Injected file access (default: node:fs). */
  fs?: TemplateFs;
}

export interface Rendered {
  /** LF line endings, ends with exactly one LF (or is empty). */
  text: string;
  /** The output lines (text without its final LF, split at LF). */
  lines: readonly string[];
  /** One entry per output line. */
  sourceMap: SourceMap;
  /** The effective root (real path). */
  root: string;
  /** Every file read, top-level first (real paths). */
  files: string[];
  /** Values of the secret-looking variables (src/secrets/masking.ts): errors about the output mask them. */
  secretValues: readonly string[];
}

/** One YAML document of a rendered manifest. */
export interface ManifestDocument {
  /** Index among non-empty documents. */
  index: number;
  /** 1-based output line where the document's content starts. */
  outputLine: number;
  /** Template location of that line. */
  source: SourceLocation;
  /** The parsed value (an object for Kubernetes manifests). */
  value: unknown;
}
