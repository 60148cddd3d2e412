// YAML that js-yaml reads but the parsers that will read Eastern's output refuse:
// PyYAML (the Python tool's world) and go-yaml (kubectl and the API server, through
// sigs.k8s.io/yaml). js-yaml loads each document; these rules then hold it to the
// stricter readers, and bound what aliases may add (a "billion laughs" document
// of 420 bytes expands to gigabytes once it is turned into JSON).
//
// They run only on documents the fast scanner (yaml-subset.ts) did not certify,
// and the costly ones only when the text holds a character they are about (a tab,
// `&`, `*`): plain manifests pay one regular-expression test.
import type { LoadOptions, State } from 'js-yaml';

/** js-yaml's `load` (either of its module builds, passed in: the caller decides when js-yaml is loaded). */
export interface YamlLoader {
  load(text: string, options?: LoadOptions): unknown;
}

/** Nodes that aliases may add to one document, counting each use as a copy of its anchor. */
export const MAX_ALIAS_NODES = 10_000;
/** Bytes (as JSON) that aliases may add to one document. */
export const MAX_ALIAS_BYTES = 1024 * 1024;

/** A rule broken at `mark` (0-based line and column in the document's text), worded like js-yaml's errors. */
export class YamlRuleError extends Error {
  readonly reason: string;
  readonly mark: { line: number; column: number };
  readonly fix: string;
  /** What the message says about the rendered template before the reason. */
  readonly verdict: string;
  constructor(reason: string, mark: { line: number; column: number }, fix: string, verdict = 'the rendered template is not valid YAML') {
    super(reason);
    this.name = 'YamlRuleError';
    this.reason = reason;
    this.mark = mark;
    this.fix = fix;
    this.verdict = verdict;
  }
}

const WATCHED = /[\t&*]/;
/** Anything a rule below is about (long lines aside): a tab, an anchor or alias, a YAML 1.1 line break, `\/`. */
const ANY_RULE = /[\t&*\u0085\u2028\u2029]|\\\//;
const LINE_BREAK_1_1 = /[\u0085\u2028\u2029]/;
const ANCHOR_NAME = /^[A-Za-z0-9_-]+$/;
/** Keys this long are refused; a document without a line this long has none. */
export const LONG_KEY = 1023;

/**
 * js-yaml's `load` of one document, then the rules above; throws js-yaml's
 * YAMLException or a YamlRuleError. `longLine`: the document has a line of at
 * least LONG_KEY characters (the caller has the lines at hand).
 */
export function loadStrict(yaml: YamlLoader, text: string, options: LoadOptions, longLine: boolean): unknown {
  // One scan decides whether any other rule can apply; most manifests stop here.
  if (!longLine && !ANY_RULE.test(text)) return yaml.load(text, options);
  const nodes = WATCHED.test(text) ? new NodeLog(text) : undefined;
  const value = yaml.load(text, nodes ? { ...options, listener: nodes.listener } : options);
  lineBreaks(text);
  if (nodes) {
    nodes.anchors();
    if (text.includes('\t')) nodes.tabs();
    nodes.aliases();
  }
  if (text.includes('\\/')) {
    if (nodes) nodes.slashEscapes();
    else new NodeLog(text).slashEscapesByParsing(yaml, text, options);
  }
  if (longLine) longKeys(text, value);
  return value;
}

/**
 * The rules for a document without content (blank and comment lines): js-yaml is
 * not asked, yet PyYAML and go-yaml still read it, and refuse a tab before the `#`.
 */
export function checkContentless(text: string): void {
  lineBreaks(text);
  const m = /(?:^|\n)[^#\n]*?\t/.exec(text);
  if (!m) return;
  throw new YamlRuleError('a tab outside a comment, in a document that holds only comments (PyYAML and kubectl refuse it)',
    markAt(text, m.index + m[0].length - 1), 'use spaces there, or remove the line');
}

/** Where a 0-based offset lies: line and column. */
function markAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start };
}

/** NEL, LS and PS break lines in YAML 1.1 (PyYAML, go-yaml) but are text to js-yaml: the readers would see different data. */
function lineBreaks(text: string): void {
  const m = LINE_BREAK_1_1.exec(text);
  if (!m) return;
  const code = `U+${(m[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  throw new YamlRuleError(`the character ${code} is a line break for PyYAML and kubectl (YAML 1.1) but not for js-yaml`, markAt(text, m.index),
    `write it escaped in a double-quoted string ("\\u${code.slice(2)}"), or remove it`);
}

/** PyYAML and go-yaml read an implicit key of at most 1,024 characters; Kubernetes names and keys are far shorter. */
function longKeys(text: string, value: unknown): void {
  const key = findLongKey(value, new Set());
  if (key === undefined) return;
  const offset = text.indexOf(key.slice(0, 40));
  throw new YamlRuleError(`a key of ${key.length} characters: PyYAML and kubectl do not read keys longer than 1,024 characters`,
    markAt(text, Math.max(offset, 0)), 'shorten the key (Kubernetes allows at most 253 characters in data keys, 317 in label and annotation keys)');
}

function findLongKey(value: unknown, seen: Set<object>): string | undefined {
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findLongKey(item, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.length >= LONG_KEY) return k;
    const found = findLongKey(v, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface Span {
  start: number;
  end: number;
  /** Block scalars only: where the text lines begin (after the header line). */
  textStart?: number;
}

/**
 * What js-yaml's node events tell about the text: where each anchor, alias, quoted
 * and block scalar starts. js-yaml sometimes reads a node twice (it backtracks
 * after `&anchor value` to look for a mapping), so everything is keyed by its
 * offset in the text and read once.
 */
class NodeLog {
  private readonly opens: number[] = [];
  private readonly anchorAt = new Map<number, string>();
  private readonly aliasAt = new Map<number, unknown>();
  private readonly quoted = new Map<number, Span>();
  private readonly blocks = new Map<number, Span>();

  constructor(private readonly text: string) {}

  readonly listener = (event: 'open' | 'close', state: State): void => {
    if (event === 'open') {
      this.opens.push(state.position);
      return;
    }
    const open = this.opens.pop() ?? 0;
    const s = state as State & { kind: string | null; result: unknown };
    let at = this.skipSpace(open);
    // Properties come first: tags, then (or before) the anchor.
    for (;;) {
      const c = this.text[at];
      if (c === '!') at = this.skipSpace(this.tokenEnd(at));
      else if (c === '&') {
        // From a node's start, `&` can only be an anchor (this node's, or its first key's).
        this.anchorAt.set(at, this.tokenName(at));
        at = this.skipSpace(this.tokenEnd(at));
      } else break;
    }
    const c = this.text[at];
    // An alias leaves the node's kind unset (a collection that starts with an aliased key does not).
    if (c === '*' && s.kind === null) this.aliasAt.set(at, s.result);
    else if (s.kind === 'scalar' && (c === '"' || c === "'")) this.quoted.set(at, { start: at, end: state.position });
    else if (s.kind === 'scalar' && (c === '|' || c === '>')) {
      const eol = this.text.indexOf('\n', at);
      this.blocks.set(at, { start: at, end: state.position, textStart: eol < 0 ? state.position : eol + 1 });
    }
  };

  /** Spaces, tabs, line breaks and comments from `at`: what js-yaml skips before a node. */
  private skipSpace(at: number): number {
    const t = this.text;
    let i = at;
    for (;;) {
      const c = t[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '#') {
        const eol = t.indexOf('\n', i);
        i = eol < 0 ? t.length : eol;
      } else return i;
    }
  }

  /** The name of the anchor or alias at `at` (after its `&` or `*`). */
  private tokenName(at: number): string {
    return this.text.slice(at + 1, this.tokenEnd(at));
  }

  /** The end of a property or alias token (`&name`, `*name`, `!tag`). */
  private tokenEnd(at: number): number {
    let i = at + 1;
    while (i < this.text.length && !/[\s,[\]{}]/.test(this.text[i] as string)) i++;
    return i;
  }

  /** PyYAML refuses a second anchor of the same name in a document; both refuse names other than letters, digits, `_` and `-`. */
  anchors(): void {
    const first = new Map<string, number>();
    for (const [at, name] of [...this.anchorAt].sort((a, b) => a[0] - b[0])) {
      if (!ANCHOR_NAME.test(name)) {
        throw new YamlRuleError(`the anchor name "${name}" has characters other than letters, digits, "_" and "-" (PyYAML and kubectl refuse it)`,
          markAt(this.text, at), 'rename the anchor and its aliases');
      }
      const earlier = first.get(name);
      if (earlier !== undefined) {
        throw new YamlRuleError(`the anchor "&${name}" is defined twice in one document (first at line ${markAt(this.text, earlier).line + 1} of it; PyYAML refuses that)`,
          markAt(this.text, at), 'give each anchor its own name');
      }
      first.set(name, at);
    }
  }

  /**
   * A tab is allowed only inside a quoted scalar, in the text of a block scalar
   * (after its indentation) and in a comment: PyYAML refuses it anywhere else,
   * go-yaml wherever it leads a line.
   */
  tabs(): void {
    const quoted = sorted(this.quoted);
    const blocks = sorted(this.blocks);
    for (let t = this.text.indexOf('\t'); t >= 0; t = this.text.indexOf('\t', t + 1)) {
      if (within(quoted, t)) continue;
      const block = within(blocks, t);
      const lineStart = this.text.lastIndexOf('\n', t - 1) + 1;
      const inText = block !== undefined && t >= (block.textStart as number);
      if (inText && !this.inIndentation(block, lineStart, t)) continue;
      // Outside a block's text (its header line included), a tab may stand in a comment.
      if (!inText && this.inComment(quoted, lineStart, t)) continue;
      const where = /^[ \t]*$/.test(this.text.slice(lineStart, t)) ? 'leads a line' : 'separates tokens';
      throw new YamlRuleError(`a tab ${where} outside a quoted string, a block scalar's text or a comment (PyYAML and kubectl refuse it)`,
        markAt(this.text, t), 'use spaces there; a tab may stay inside quotes or in the text of a | or > block');
    }
  }

  /** Only spaces before `t` on its line, fewer than the block's text indentation. */
  private inIndentation(block: Span, lineStart: number, t: number): boolean {
    for (let i = lineStart; i < t; i++) if (this.text[i] !== ' ') return false;
    return t - lineStart < this.textIndent(block);
  }

  /** The indentation of the block's first non-blank text line. */
  private textIndent(block: Span): number {
    for (const line of this.text.slice(block.textStart, block.end).split('\n')) {
      if (/^[ \t]*$/.test(line)) continue;
      return (/^ */.exec(line) as RegExpExecArray)[0].length;
    }
    return Number.MAX_SAFE_INTEGER;
  }

  /** A `#` at the line start or after a space or tab, outside quotes, before `t`. */
  private inComment(quoted: Span[], lineStart: number, t: number): boolean {
    for (let h = this.text.indexOf('#', lineStart); h >= 0 && h < t; h = this.text.indexOf('#', h + 1)) {
      if ((h === lineStart || /[ \t]/.test(this.text[h - 1] as string)) && !within(quoted, h)) return true;
    }
    return false;
  }

  /** go-yaml does not know the `\/` escape (YAML 1.2); PyYAML does. */
  slashEscapes(): void {
    for (const span of this.quoted.values()) {
      if (this.text[span.start] !== '"') continue;
      for (let i = span.start + 1; i < span.end - 1; i++) {
        if (this.text[i] !== '\\') continue;
        if (this.text[i + 1] === '/') {
          throw new YamlRuleError('the escape "\\/" in a double-quoted string is YAML 1.2; kubectl (YAML 1.1) refuses it', markAt(this.text, i),
            'write a plain "/" (it needs no escape)');
        }
        i++;
      }
    }
  }

  /** slashEscapes() for a document read without the listener: read it again with it (rare: `\/` is rare). */
  slashEscapesByParsing(yaml: YamlLoader, text: string, options: LoadOptions): void {
    yaml.load(text, { ...options, listener: this.listener });
    this.slashEscapes();
  }

  /**
   * Each alias counts as a copy of what it names, with everything that copy holds
   * (aliases within it included): the nodes and JSON bytes that turning the
   * document into an object adds. Measured on the shared values, never expanded.
   */
  aliases(): void {
    if (this.aliasAt.size === 0) return;
    const memo = new Map<object, Size>();
    const total: Size = { nodes: 0, bytes: 0 };
    let largest: { at: number; size: Size } | undefined;
    for (const [at, target] of [...this.aliasAt].sort((a, b) => a[0] - b[0])) {
      let size: Size;
      try {
        size = sizeOf(target, memo);
      } catch (error) {
        if (!(error instanceof CycleError)) throw error;
        throw new YamlRuleError(`the alias "*${this.tokenName(at)}" is inside the node it names, so the document would be infinite (kubectl refuses it; it cannot become JSON)`,
          markAt(this.text, at), 'move the anchor off the node that holds the alias, or write the part out', 'the rendered template is refused');
      }
      add(total, size, 0);
      if (!largest || size.nodes > largest.size.nodes) largest = { at, size };
    }
    if (!largest || (total.nodes <= MAX_ALIAS_NODES && total.bytes <= MAX_ALIAS_BYTES)) return;
    throw new YamlRuleError(
      `aliases would add ${total.nodes.toLocaleString('en')} nodes (about ${formatBytes(total.bytes)} as JSON) to this document, ` +
        `more than the ${MAX_ALIAS_NODES.toLocaleString('en')} nodes and ${formatBytes(MAX_ALIAS_BYTES)} Eastern allows (an alias bomb?); ` +
        `"*${this.tokenName(largest.at)}" here copies ${largest.size.nodes.toLocaleString('en')}`,
      markAt(this.text, largest.at),
      'write the shared part out, or load it with a partial (# load!) wherever it is needed',
      'the rendered template is refused');
  }
}

function sorted(spans: Map<number, Span>): Span[] {
  return [...spans.values()].sort((a, b) => a.start - b.start);
}

/** The span that holds offset `i` (spans sorted, not overlapping), if any. */
function within(spans: Span[], i: number): Span | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid] as Span;
    if (i < s.start) hi = mid - 1;
    else if (i >= s.end) lo = mid + 1;
    else return s;
  }
  return undefined;
}

export interface Size {
  nodes: number;
  bytes: number;
}

/** A value that contains itself (an alias inside the node it names). */
export class CycleError extends Error {}

/**
 * Nodes and approximate JSON size of a value, a shared (aliased) value counted at
 * each use; memoized, so never expanded. Throws CycleError for a value that holds itself.
 */
export function sizeOf(value: unknown, memo: Map<object, Size> = new Map(), open: Set<object> = new Set()): Size {
  if (value === null || value === undefined) return { nodes: 1, bytes: 4 };
  if (typeof value === 'string') return { nodes: 1, bytes: value.length + 2 };
  if (typeof value !== 'object') return { nodes: 1, bytes: String(value).length };
  const known = memo.get(value);
  if (known) return known;
  if (open.has(value)) throw new CycleError('a value holds itself');
  open.add(value);
  const size: Size = { nodes: 1, bytes: 2 };
  if (Array.isArray(value)) {
    for (const item of value) add(size, sizeOf(item, memo, open), 1);
  } else {
    for (const [k, v] of Object.entries(value)) add(size, sizeOf(v, memo, open), k.length + 4);
  }
  open.delete(value);
  memo.set(value, size);
  return size;
}

function add(size: Size, part: Size, extraBytes: number): void {
  size.nodes += part.nodes;
  size.bytes += part.bytes + extraBytes;
}

export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${(bytes / size).toFixed(1).replace(/\.0$/, '')} ${unit}`;
  }
  return `${bytes} bytes`;
}
