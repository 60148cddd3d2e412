// The template engine: (file tree, variables) → text + source map. Pure apart from
// the injected file access; every failure is a TemplateError naming file:line and
// the chain of includes.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { TemplateError } from '../errors.js';
import { maskValues, secretValues } from '../secrets/masking.js';
import { parseDirective, type Directive } from './directive.js';
import { InvalidUtf8Error, nodeFs } from './fs.js';
import { displayPath, formatLocation, includeChain } from './location.js';
import { SourceMap } from './source-map.js';
import type { RenderOptions, Rendered, SourceLocation, TemplateFs } from './types.js';
import { checkVariables, interpolate, type Variables } from './variables.js';
import { pyStrip } from './whitespace.js';

/** Partials may nest this deep (the top-level template is depth 0). */
export const MAX_DEPTH = 64;

interface Context {
  fs: TemplateFs;
  cwd: string;
  root: string;
  variables: Variables;
  /** Values of secret-looking variables: never printed in a message. */
  secrets: readonly string[];
  allowUndefined: boolean;
  onWarning: (message: string) => void;
  lines: string[];
  map: SourceMap;
  files: Set<string>;
  /** Per file: its lines, and per line the directive or the output text. Variables are fixed for a render, so each source line is worked out once however often it is loaded. */
  cache: Map<string, SourceFile>;
  /** Line text → its directive (or null). */
  directives: Map<string, Directive | null>;
  /** `dir\0candidate` → where it points; a large template loads the same partials thousands of times. */
  paths: Map<string, ResolvedCandidate>;
}

interface SourceFile {
  lines: string[];
  directives: (Directive | null | undefined)[];
  substituted: (string | undefined)[];
  /** Per directive line: the file it loads, or the comment an unmet `load?` leaves. */
  targets: (Target | undefined)[];
  /** The same, per directive without variables: a file often repeats one directive (same text, same folder). */
  sharedTargets: Map<Directive, Target>;
  /** How the file renders at each indentation it is loaded at, once worked out. */
  plans: Map<string, Step[]>;
}

type Target = { found: string; comment?: undefined } | { found?: undefined; comment: string };

/** A run of output lines (source lines `line`, `line + 1`, …), or the directive at `line` and the indentation of what it loads. */
type Step = { texts: string[]; line: number; indent?: undefined } | { line: number; indent: string };

interface ResolvedCandidate {
  path: string;
  inside: boolean;
  kind: 'file' | 'dir' | 'other' | undefined;
  real?: string;
  realInside?: boolean;
}

export function render(options: RenderOptions): Rendered {
  const fs = options.fs ?? nodeFs;
  const cwd = options.cwd ?? process.cwd();
  checkVariables(options.variables);

  const top = resolve(cwd, options.file);
  const secrets = secretValues(options.variables);
  try {
    return renderTop(fs, cwd, top, options, secrets);
  } catch (error) {
    throw asTemplateError(error, `${displayPath(top, cwd)}: cannot be rendered`);
  }
}

function renderTop(fs: TemplateFs, cwd: string, top: string, options: RenderOptions, secrets: readonly string[]): Rendered {
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
    secrets,
    allowUndefined: options.allowUndefined ?? false,
    onWarning: options.onWarning ?? (() => {}),
    lines: [],
    map: new SourceMap(),
    files: new Set(),
    cache: new Map(),
    directives: new Map(),
    paths: new Map(),
  };
  renderFile(ctx, topReal, undefined, [topReal], '');
  trimTrailingEmpty(ctx, 0);
  // Joined with a final '' rather than `+ '\n'`, which would copy the whole output once more.
  let text = '';
  if (ctx.lines.length > 0) {
    ctx.lines.push('');
    text = ctx.lines.join('\n');
    ctx.lines.pop();
  }
  return { text, lines: ctx.lines, sourceMap: ctx.map, root, files: [...ctx.files], secretValues: secrets };
}

/**
 * The safety net: a file-system error that no call site turned into a located
 * TemplateError still becomes an ordinary error, never an "internal error".
 */
function asTemplateError(error: unknown, what: string): unknown {
  if (error instanceof TemplateError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  return new TemplateError(`${what}: ${(error as Error).message}`, { fix: 'check the files and folders named above', cause: error });
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
    if (error instanceof InvalidUtf8Error) {
      // The place is in the file itself; the directive that loaded it follows in the chain.
      const at: SourceLocation = from ? { file, line: error.line, via: from } : { file, line: error.line };
      throw fail(ctx, at, `not valid UTF-8: byte ${error.byteColumn} of the line is 0x${error.byte.toString(16).toUpperCase().padStart(2, '0')}`,
        error.utf16 ? 'the file is UTF-16: save it as UTF-8' : 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or write the character escaped in a double-quoted string ("\\u00e9")');
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw fail(ctx, from, `cannot read ${mask(ctx, displayPath(file, ctx.cwd))}: ${mask(ctx, why)}`, 'make the file readable by the user running eastern', [], error);
  }
  // Line breaks as Python reads text files (universal newlines) and as YAML has them: LF, CRLF and a lone CR.
  const lines = text.split(/\r\n|\r|\n/);
  const source: SourceFile = { lines, directives: new Array(lines.length), substituted: new Array(lines.length), targets: new Array(lines.length), sharedTargets: new Map(), plans: new Map() };
  ctx.cache.set(file, source);
  return source;
}

/**
 * Appends `file`'s output lines. `indent` is the sum of the indentation of every
 * directive on the way here; it prefixes each non-empty line once, as it is written.
 * The first rendering at an indentation records a plan that later loads replay.
 */
function renderFile(ctx: Context, file: string, via: SourceLocation | undefined, stack: string[], indent: string): void {
  ctx.files.add(file);
  const source = readSource(ctx, file, via);
  const frame = ctx.map.frame(file, via);
  const planned = source.plans.get(indent);
  if (planned) {
    for (const step of planned) {
      if (step.indent === undefined) {
        ctx.lines.push(...step.texts);
        ctx.map.push(frame, step.line, step.texts.length);
      } else {
        load(ctx, source, frame, via ? { file, line: step.line, via } : { file, line: step.line }, stack, indent, step.indent);
      }
    }
    return;
  }
  const { lines, directives, substituted } = source;
  const plan: Step[] = [];
  let run: { texts: string[]; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    let directive = directives[i];
    if (directive === undefined) directive = directives[i] = directiveOf(ctx, lines[i] as string);
    if (directive) {
      run = undefined;
      const step = { line: i + 1, indent: indent + directive.indent };
      plan.push(step);
      load(ctx, source, frame, via ? { file, line: i + 1, via } : { file, line: i + 1 }, stack, indent, step.indent);
      continue;
    }
    let plain = substituted[i];
    if (plain === undefined) {
      plain = substituted[i] = substitute(ctx, lines[i] as string, via ? { file, line: i + 1, via } : { file, line: i + 1 });
    }
    const text = indent === '' || plain === '' ? plain : indent + plain;
    if (!run) plan.push((run = { texts: [], line: i + 1 }));
    run.texts.push(text);
    ctx.lines.push(text);
    ctx.map.push(frame, i + 1);
  }
  source.plans.set(indent, plan);
}

/** parseDirective, once per distinct line text in a render (a directive object then stands for its text). */
function directiveOf(ctx: Context, line: string): Directive | null {
  if (!line.includes('#')) return null;
  let directive = ctx.directives.get(line);
  if (directive === undefined) {
    directive = parseDirective(line) ?? null;
    ctx.directives.set(line, directive);
  }
  return directive;
}

function resolveCandidate(ctx: Context, base: string, candidate: string, loc: SourceLocation): ResolvedCandidate {
  const key = `${base}\0${candidate}`;
  let known = ctx.paths.get(key);
  if (!known) {
    const path = resolve(base, candidate);
    const inside = isInside(ctx.root, path);
    try {
      // kind() answers undefined for every way a path can name nothing (see isMissing).
      const kind = inside ? ctx.fs.kind(path) : undefined;
      if (kind === 'file') {
        const real = ctx.fs.realpath(path);
        known = { path, inside, kind, real, realInside: isInside(ctx.root, real) };
      } else {
        known = { path, inside, kind };
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' ? 'permission denied' : (error as Error).message;
      throw fail(ctx, loc, `cannot check ${quote(ctx, candidate)} (${mask(ctx, displayPath(path, ctx.cwd))}): ${mask(ctx, why)}`,
        'make the folders on the way readable by the user running eastern', [], error);
    }
    ctx.paths.set(key, known);
  }
  return known;
}

/** The file a directive loads (the first candidate that exists), checked against the root; the same for every load of that line. */
function resolveTarget(ctx: Context, directive: Directive, loc: SourceLocation): Target {
  // Trimmed again after substitution (as the Python tool does), and a candidate
  // that is empty, as written or once substituted, is no candidate.
  const candidates: string[] = [];
  directive.candidates.forEach((c, i) => {
    const candidate = pyStrip(substitute(ctx, c, loc, directive.offsets[i]));
    if (candidate !== '') candidates.push(candidate);
  });
  const base = dirname(loc.file);
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (isAbsolute(candidate)) {
      throw fail(ctx, loc, `absolute path ${quote(ctx, candidate)} is not allowed in a load directive`, 'write the path relative to the file that loads it');
    }
    const { path, inside, kind, real, realInside } = resolveCandidate(ctx, base, candidate, loc);
    if (!inside) {
      throw fail(ctx, loc, `${quote(ctx, candidate)} resolves to ${mask(ctx, path)}, outside the root ${displayPath(ctx.root, ctx.cwd)}`,
        'keep partials inside the project, or pass --root with a directory that contains them');
    }
    tried.push(path);
    if (kind === undefined) continue;
    if (kind !== 'file') {
      throw fail(ctx, loc, `${quote(ctx, candidate)} resolves to ${mask(ctx, displayPath(path, ctx.cwd))}, which is ${kind === 'dir' ? 'a directory' : 'not a regular file'}`,
        'name a file; check the variables in the path');
    }
    if (!realInside) {
      throw fail(ctx, loc, `${quote(ctx, candidate)} is a symbolic link to ${mask(ctx, real as string)}, outside the root ${displayPath(ctx.root, ctx.cwd)}`,
        'copy the file into the project, or pass --root with a directory that contains its target');
    }
    return { found: real as string };
  }
  if (directive.required) {
    throw fail(ctx, loc,
      candidates.length === 0 ? 'load! names no file' : 'load! found none of its candidates',
      candidates.length === 0 ? 'list one or more files after load!, and check that the variables in it are not empty' : 'create one of these files, or use "# load?" to make the partial optional',
      tried.map((p) => `tried ${mask(ctx, displayPath(p, ctx.cwd))}`));
  }
  // The list as typed, variables substituted, each comma followed by a space: what
  // the Python tool writes, which matters where the comment is data (a block scalar).
  // Undefined names were reported above, once.
  const list = interpolate(directive.list, ctx.variables, () => {});
  return { comment: `${directive.indent}# Cannot load ${list.split(',').join(', ')}` };
}

/** A candidate for a message: quoted (a NUL or a tab shows), secret values masked. */
function quote(ctx: Context, candidate: string): string {
  return mask(ctx, JSON.stringify(candidate));
}

function mask(ctx: Context, text: string): string {
  return ctx.secrets.length === 0 ? text : maskValues(text, ctx.secrets);
}

/** Renders what the directive at `loc` (in `source`, rendered at `indent` as `frame`) loads, at `childIndent`. */
function load(ctx: Context, source: SourceFile, frame: number, loc: SourceLocation, stack: string[], indent: string, childIndent: string): void {
  const index = loc.line - 1;
  let target = source.targets[index];
  if (target === undefined) {
    const directive = source.directives[index] as Directive;
    // Without variables, resolving cannot warn, so one resolution serves every line with this directive.
    const shared = directive.plain ? source.sharedTargets.get(directive) : undefined;
    target = source.targets[index] = shared ?? resolveTarget(ctx, directive, loc);
    if (directive.plain && !shared) source.sharedTargets.set(directive, target);
  }
  const found = target.found;
  if (found === undefined) {
    ctx.lines.push(indent + target.comment);
    ctx.map.push(frame, loc.line);
    return;
  }
  if (stack.includes(found)) {
    const cycle = [...chainTo(loc).map((l) => formatLocation(l, ctx.cwd)), displayPath(found, ctx.cwd)].join(' → ');
    throw fail(ctx, undefined, `include cycle: ${mask(ctx, cycle)}`, 'remove one of these load directives');
  }
  if (stack.length > MAX_DEPTH) {
    throw fail(ctx, loc, `partials nest deeper than ${MAX_DEPTH} levels`, 'flatten the chain of partials; this is usually an unintended recursion');
  }

  const start = ctx.lines.length;
  renderFile(ctx, found, loc, [...stack, found], childIndent);
  trimTrailingEmpty(ctx, start);
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
  // --verbose prints the cause; a file-system error quotes the path, which may hold a secret variable's value.
  const quotesSecret = cause instanceof Error && ctx.secrets.some((v) => `${cause.message}${cause.stack ?? ''}`.includes(v));
  return new TemplateError(`${where}${message}`, {
    fix,
    details: [...details, ...(loc ? includeChain(loc, ctx.cwd) : [])],
    cause: quotesSecret ? undefined : cause,
  });
}
