// The template engine: (file tree, variables) → text + source map. Pure apart from
// the injected file access; every failure is a TemplateError naming file:line and
// the chain of includes.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { TemplateError } from '../errors.js';
import { parseDirective, type Directive } from './directive.js';
import { nodeFs } from './fs.js';
import { displayPath, formatLocation, includeChain } from './location.js';
import type { RenderOptions, Rendered, SourceLocation, TemplateFs } from './types.js';
import { checkVariables, interpolate, type Variables } from './variables.js';

/** Partials may nest this deep (the top-level template is depth 0). */
export const MAX_DEPTH = 64;

interface Context {
  fs: TemplateFs;
  cwd: string;
  root: string;
  variables: Variables;
  allowUndefined: boolean;
  onWarning: (message: string) => void;
  lines: string[];
  map: SourceLocation[];
  files: Set<string>;
  /** Per file: its lines, and per line the directive or the substituted text. Variables are fixed for a render, so each source line is worked out once however often it is loaded. */
  cache: Map<string, SourceFile>;
  /** `dir\0candidate` → what the path is; a large template loads the same partials thousands of times. */
  paths: Map<string, { kind: 'file' | 'dir' | 'other' | undefined; real?: string }>;
}

interface SourceFile {
  lines: string[];
  directives: (Directive | null | undefined)[];
  substituted: (string | undefined)[];
}

export function render(options: RenderOptions): Rendered {
  const fs = options.fs ?? nodeFs;
  const cwd = options.cwd ?? process.cwd();
  checkVariables(options.variables);

  const top = resolve(cwd, options.file);
  const kind = fs.kind(top);
  if (kind === undefined) {
    throw new TemplateError(`${displayPath(top, cwd)}: no such template file`, {
      fix: 'check the path; it is relative to the current directory',
    });
  }
  if (kind !== 'file') {
    throw new TemplateError(`${displayPath(top, cwd)}: is not a regular file`, { fix: 'name the top-level template file, e.g. kubernetes.yaml' });
  }
  const topReal = fs.realpath(top);
  const root = findRoot(fs, cwd, topReal, options.root);
  if (!isInside(root, topReal)) {
    throw new TemplateError(`${displayPath(top, cwd)}: the template lies outside the root ${displayPath(root, cwd)}`, {
      fix: 'pass a --root that contains the template',
    });
  }

  const ctx: Context = {
    fs,
    cwd,
    root,
    variables: options.variables,
    allowUndefined: options.allowUndefined ?? false,
    onWarning: options.onWarning ?? (() => {}),
    lines: [],
    map: [],
    files: new Set(),
    cache: new Map(),
    paths: new Map(),
  };
  renderFile(ctx, topReal, undefined, [topReal]);
  trimTrailingEmpty(ctx, 0);
  const text = ctx.lines.length === 0 ? '' : ctx.lines.join('\n') + '\n';
  return { text, sourceMap: ctx.map, root, files: [...ctx.files] };
}

function findRoot(fs: TemplateFs, cwd: string, topReal: string, root: string | undefined): string {
  if (root !== undefined) {
    const abs = resolve(cwd, root);
    if (fs.kind(abs) !== 'dir') {
      throw new TemplateError(`--root ${root}: no such directory`, { fix: 'pass an existing directory that contains the templates' });
    }
    return fs.realpath(abs);
  }
  for (let dir = dirname(topReal); ; dir = dirname(dir)) {
    if (fs.hasGit(dir)) return dir;
    if (dirname(dir) === dir) return dirname(topReal);
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function readSource(ctx: Context, file: string, from: SourceLocation | undefined): SourceFile {
  const cached = ctx.cache.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = ctx.fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw fail(ctx, from, `cannot read ${displayPath(file, ctx.cwd)}: ${why}`, 'make the file readable by the user running eastern', [], error);
  }
  const lines = text.split(/\r?\n/);
  const source: SourceFile = { lines, directives: new Array(lines.length), substituted: new Array(lines.length) };
  ctx.cache.set(file, source);
  return source;
}

function renderFile(ctx: Context, file: string, via: SourceLocation | undefined, stack: string[]): void {
  ctx.files.add(file);
  const source = readSource(ctx, file, via);
  const { lines, directives, substituted } = source;
  for (let i = 0; i < lines.length; i++) {
    const loc: SourceLocation = via ? { file, line: i + 1, via } : { file, line: i + 1 };
    let directive = directives[i];
    if (directive === undefined) directive = directives[i] = parseDirective(lines[i] as string) ?? null;
    if (directive) {
      load(ctx, directive, loc, stack);
    } else {
      let text = substituted[i];
      if (text === undefined) text = substituted[i] = substitute(ctx, lines[i] as string, loc);
      ctx.lines.push(text);
      ctx.map.push(loc);
    }
  }
}

function load(ctx: Context, directive: Directive, loc: SourceLocation, stack: string[]): void {
  const candidates = directive.candidates.map((c, i) => substitute(ctx, c, loc, directive.offsets[i]));
  const base = dirname(loc.file);
  const tried: string[] = [];
  let found: string | undefined;
  for (const candidate of candidates) {
    if (isAbsolute(candidate)) {
      throw fail(ctx, loc, `absolute path "${candidate}" is not allowed in a load directive`, 'write the path relative to the file that loads it');
    }
    const path = resolve(base, candidate);
    if (!isInside(ctx.root, path)) {
      throw fail(ctx, loc, `"${candidate}" resolves to ${path}, outside the root ${displayPath(ctx.root, ctx.cwd)}`,
        'keep partials inside the project, or pass --root with a directory that contains them');
    }
    tried.push(path);
    const key = `${base}\0${candidate}`;
    let known = ctx.paths.get(key);
    if (!known) {
      const kind = ctx.fs.kind(path);
      known = kind === 'file' ? { kind, real: ctx.fs.realpath(path) } : { kind };
      ctx.paths.set(key, known);
    }
    const kind = known.kind;
    if (kind === undefined) continue;
    if (kind !== 'file') {
      throw fail(ctx, loc, `"${candidate}" resolves to ${displayPath(path, ctx.cwd)}, which is ${kind === 'dir' ? 'a directory' : 'not a regular file'}`,
        'name a file; check that no variable in the path is empty');
    }
    const real = known.real as string;
    if (!isInside(ctx.root, real)) {
      throw fail(ctx, loc, `"${candidate}" is a symbolic link to ${real}, outside the root ${displayPath(ctx.root, ctx.cwd)}`,
        'copy the file into the project, or pass --root with a directory that contains its target');
    }
    found = real;
    break;
  }

  if (found === undefined) {
    if (directive.required) {
      throw fail(ctx, loc,
        candidates.length === 0 ? 'load! names no file' : 'load! found none of its candidates',
        candidates.length === 0 ? 'list one or more files after load!' : 'create one of these files, or use "# load?" to make the partial optional',
        tried.map((p) => `tried ${displayPath(p, ctx.cwd)}`));
    }
    ctx.lines.push(`${directive.indent}# Cannot load ${candidates.join(', ')}`);
    ctx.map.push(loc);
    return;
  }

  if (stack.includes(found)) {
    const cycle = [...chainTo(loc).map((l) => formatLocation(l, ctx.cwd)), displayPath(found, ctx.cwd)].join(' → ');
    throw fail(ctx, undefined, `include cycle: ${cycle}`, 'remove one of these load directives');
  }
  if (stack.length > MAX_DEPTH) {
    throw fail(ctx, loc, `partials nest deeper than ${MAX_DEPTH} levels`, 'flatten the chain of partials; this is usually an unintended recursion');
  }

  const start = ctx.lines.length;
  renderFile(ctx, found, loc, [...stack, found]);
  trimTrailingEmpty(ctx, start);
  if (directive.indent !== '') {
    for (let i = start; i < ctx.lines.length; i++) {
      const line = ctx.lines[i] as string;
      if (line !== '') ctx.lines[i] = directive.indent + line;
    }
  }
}

/** Trailing line breaks of a rendered partial (or of the whole output) are dropped. */
function trimTrailingEmpty(ctx: Context, start: number): void {
  let end = ctx.lines.length;
  while (end > start && ctx.lines[end - 1] === '') end--;
  // Pop rather than assigning length, which can push V8 arrays into a slow mode.
  while (ctx.lines.length > end) {
    ctx.lines.pop();
    ctx.map.pop();
  }
}

/** `offset`: where `text` starts in its source line, so columns point into the line. */
function substitute(ctx: Context, text: string, loc: SourceLocation, offset = 0): string {
  if (!text.includes('${')) return text;
  return interpolate(text, ctx.variables, (ref) => {
    const where = formatLocation(loc, ctx.cwd, ref.column + offset);
    if (!ctx.allowUndefined) {
      throw new TemplateError(`${where}: undefined variable ${ref.name}`, {
        details: includeChain(loc, ctx.cwd),
        fix: `pass -s ${ref.name}=VALUE, write $\${${ref.name}} for a literal \${${ref.name}}, or use --allow-undefined to keep it as written`,
      });
    }
    ctx.onWarning(`${where}: undefined variable ${ref.name} left as written`);
  });
}

/** Locations from the top-level directive down to `loc`. */
function chainTo(loc: SourceLocation): SourceLocation[] {
  const chain: SourceLocation[] = [];
  for (let l: SourceLocation | undefined = loc; l; l = l.via) chain.unshift(l);
  return chain;
}

function fail(ctx: Context, loc: SourceLocation | undefined, message: string, fix: string, details: string[] = [], cause?: unknown): TemplateError {
  const where = loc ? `${formatLocation(loc, ctx.cwd)}: ` : '';
  return new TemplateError(`${where}${message}`, {
    fix,
    details: [...details, ...(loc ? includeChain(loc, ctx.cwd) : [])],
    cause,
  });
}
