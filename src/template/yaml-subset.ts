// A fast certificate of YAML validity for the shape most Kubernetes manifests have:
// block mappings and sequences of plain keys and one-line scalars. It is not a
// parser. It answers "certainly valid" (js-yaml would load the document without
// error) or "not sure", and for "not sure" the caller runs js-yaml, which also
// words the error. `eastern generate` of a 50,000-line template spent most of its
// time building js-yaml objects that it then threw away.

interface Block {
  indent: number;
  kind: 'map' | 'seq';
  /** A sequence written at its parent key's own column (`key:\n- a`). */
  compact: boolean;
  /** Unique for every block ever opened: stamps its keys in `keysAtDepth`. */
  serial: number;
}

/**
 * What one line holds, independent of its neighbours: `- - key: value` is two
 * sequence entries (at `dashes`) and then a map entry at `col`. Rendered templates
 * repeat the same line strings (a partial loaded many times), so shapes are memoized.
 */
interface Shape {
  /** Columns of the `-` indicators that open the line. */
  dashes: number[];
  /** Column of what follows them (the key, the scalar, or the line's end). */
  col: number;
  /** The key of a map entry; undefined for a bare sequence entry. */
  key: string | undefined;
  /** Nothing follows on this line (`key:` or `-`): the value, if any, is on the next lines. */
  open: boolean;
  /** The value is a block scalar (`|`, `>-`, …): the more indented lines that follow are its text. */
  block: boolean;
}

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
// Printable ASCII only: tabs, non-ASCII and control characters go to js-yaml.
const PRINTABLE = /^[\x20-\x7e]*$/;
const DOCUMENT_START = /^---(?: +#.*| *)$/;
const KEY = /[A-Za-z0-9_][A-Za-z0-9_./-]*/y;
// First character of a plain scalar that is never a YAML indicator.
const PLAIN_START = /[A-Za-z0-9_./~$(]/y;
// A block scalar header without an explicit indentation indicator, e.g. `|`, `>-`, `|+  # comment`.
const BLOCK_HEADER = /[|>][-+]?(?: +#.*| *)$/y;
/** A blank or comment line. */
const SKIP = 'skip';
/** Not certified. */
const UNKNOWN = 'unknown';

/**
 * True when `lines[start..end)` form one YAML document made only of block
 * mappings and sequences with plain keys, no duplicate keys, consistent
 * indentation, one-line scalars (plain, quoted without escapes, `[]`, `{}`) and
 * block scalars (`|`, `>`, with or without `-`/`+`).
 * False means "not certified", not "invalid".
 */
export function isCertainlyValidYaml(lines: readonly string[], start: number, end: number): boolean {
  // Bounded between documents (never during one, which would forget its keys).
  if (keysAtDepth.some((keys) => keys.size > 100_000)) keysAtDepth.length = 0;
  return new Scanner().document(lines, start, end);
}

const shapes = new Map<string, Shape | typeof SKIP | typeof UNKNOWN>();
/** Per nesting depth: key → serial of the last map at that depth that had it. */
const keysAtDepth: Map<string, number>[] = [];
let serials = 0;

function shapeOf(line: string): Shape | typeof SKIP | typeof UNKNOWN {
  let shape = shapes.get(line);
  if (shape === undefined) {
    shape = classify(line);
    // Bounded, so a long-lived agent process does not keep every line it has seen.
    if (shapes.size >= 100_000) shapes.clear();
    shapes.set(line, shape);
  }
  return shape;
}

function classify(line: string): Shape | typeof SKIP | typeof UNKNOWN {
  if (line.length > 1000 || !PRINTABLE.test(line)) return UNKNOWN;
  let col = 0;
  while (line.charCodeAt(col) === SPACE) col++;
  if (col === line.length || line.charCodeAt(col) === HASH) return SKIP;
  const dashes: number[] = [];
  while (isSequenceEntry(line, col)) {
    dashes.push(col);
    col++;
    while (line.charCodeAt(col) === SPACE) col++;
    if (col === line.length || line.charCodeAt(col) === HASH) return { dashes, col, key: undefined, open: true, block: false };
  }
  const colon = keyEnd(line, col);
  if (colon < 0) {
    if (dashes.length === 0) return UNKNOWN;
    if (isBlockHeader(line, col)) return { dashes, col, key: undefined, open: false, block: true };
    return scalar(line, col) ? { dashes, col, key: undefined, open: false, block: false } : UNKNOWN;
  }
  let j = colon + 1;
  while (line.charCodeAt(j) === SPACE) j++;
  const key = line.slice(col, colon);
  if (j === line.length || line.charCodeAt(j) === HASH) return { dashes, col, key, open: true, block: false };
  if (isBlockHeader(line, j)) return { dashes, col, key, open: false, block: true };
  return scalar(line, j) ? { dashes, col, key, open: false, block: false } : UNKNOWN;
}

function isBlockHeader(line: string, j: number): boolean {
  BLOCK_HEADER.lastIndex = j;
  return BLOCK_HEADER.test(line);
}

class Scanner {
  private readonly stack: Block[] = [];
  /** Indentation of the block whose last entry (`key:` or `-`) still waits for a value on a later line; -1 if none. */
  private pendingIndent = -1;
  private pendingKind: 'map' | 'seq' = 'map';
  /** Inside a block scalar: the indentation of the block its entry belongs to (-1 if not in one) and of its text (-1 until its first line). */
  private scalarParent = -1;
  private scalarIndent = -1;

  document(lines: readonly string[], start: number, end: number): boolean {
    let i = start;
    if (i < end && (lines[i] as string).startsWith('---')) {
      if (!DOCUMENT_START.test(lines[i] as string)) return false;
      i++;
    }
    let started = false;
    for (; i < end; i++) {
      if (this.scalarParent >= 0) {
        const text = this.scalarText(lines[i] as string);
        if (text === 'no') return false;
        if (text === 'yes') continue;
      }
      const shape = shapeOf(lines[i] as string);
      if (shape === SKIP) continue;
      if (shape === UNKNOWN) return false;
      const first = shape.dashes.length > 0 ? (shape.dashes[0] as number) : shape.col;
      const seq = shape.dashes.length > 0;
      if (!started) {
        started = true;
        this.push(first, seq ? 'seq' : 'map', false);
      } else if (!this.place(first, seq)) {
        return false;
      }
      if (!this.entry(shape)) return false;
    }
    return started;
  }

  /** Whether a line is text of the open block scalar: 'yes', 'no' (not certified), or 'after' (the scalar has ended). */
  private scalarText(line: string): 'yes' | 'no' | 'after' {
    let col = 0;
    while (line.charCodeAt(col) === SPACE) col++;
    if (col === line.length) return this.scalarIndent >= 0 || col === 0 ? 'yes' : 'no';
    if (this.scalarIndent < 0 && col > this.scalarParent) this.scalarIndent = col;
    if (this.scalarIndent >= 0 && col >= this.scalarIndent) return PRINTABLE.test(line) ? 'yes' : 'no';
    if (col > this.scalarParent) return 'no';
    this.scalarParent = -1;
    this.scalarIndent = -1;
    return 'after';
  }

  private push(indent: number, kind: 'map' | 'seq', compact: boolean): void {
    this.stack.push({ indent, kind, compact, serial: ++serials });
  }

  /** Finds (or opens) the block that a line whose first entry is at `col` belongs to. */
  private place(col: number, seq: boolean): boolean {
    if (this.pendingIndent >= 0) {
      const indent = this.pendingIndent;
      this.pendingIndent = -1;
      if (col > indent) {
        this.push(col, seq ? 'seq' : 'map', false);
        return true;
      }
      if (col === indent && seq && this.pendingKind === 'map') {
        this.push(col, 'seq', true);
        return true;
      }
      // Otherwise the waiting entry's value is null and this line is a sibling or an outer entry.
    }
    while (this.stack.length > 0 && (this.stack[this.stack.length - 1] as Block).indent > col) this.stack.pop();
    let top = this.stack[this.stack.length - 1];
    if (!top || top.indent !== col) return false;
    if (top.kind === 'seq' && !seq) {
      if (!top.compact) return false;
      this.stack.pop();
      top = this.stack[this.stack.length - 1];
      return top !== undefined && top.kind === 'map' && top.indent === col;
    }
    return top.kind === 'seq' ? seq : !seq;
  }

  /** The line's entries, the first of which belongs to the block on top of the stack. */
  private entry(shape: Shape): boolean {
    // Each further `-` on the line opens the previous item's own sequence (`- - a`).
    for (let k = 1; k < shape.dashes.length; k++) this.push(shape.dashes[k] as number, 'seq', false);
    if (shape.key === undefined) {
      const top = this.stack[this.stack.length - 1] as Block;
      if (shape.open) this.wait(top);
      if (shape.block) this.scalarParent = top.indent;
      return true;
    }
    // After a `-`, the key opens the item's map (`- key: v`).
    if (shape.dashes.length > 0) this.push(shape.col, 'map', false);
    const top = this.stack[this.stack.length - 1] as Block;
    // Duplicate keys: a per-map Set was most of validation's garbage. Maps at one
    // depth never interleave (one ends before the next begins), so one table per
    // depth, stamped with the map's serial, tells whether this map has the key.
    const depth = this.stack.length - 1;
    let keys = keysAtDepth[depth];
    if (!keys) keys = keysAtDepth[depth] = new Map();
    if (keys.get(shape.key) === top.serial) return false;
    keys.set(shape.key, top.serial);
    if (shape.open) this.wait(top);
    if (shape.block) this.scalarParent = top.indent;
    return true;
  }

  private wait(block: Block): void {
    this.pendingIndent = block.indent;
    this.pendingKind = block.kind;
  }
}

function isSequenceEntry(line: string, col: number): boolean {
  return line.charCodeAt(col) === DASH && (col + 1 === line.length || line.charCodeAt(col + 1) === SPACE);
}

/** Index of the `:` that ends a plain key starting at `col` (followed by a space or the end), else -1. */
function keyEnd(line: string, col: number): number {
  KEY.lastIndex = col;
  if (!KEY.test(line)) return -1;
  const colon = KEY.lastIndex;
  if (line.charCodeAt(colon) !== COLON) return -1;
  return colon + 1 === line.length || line.charCodeAt(colon + 1) === SPACE ? colon : -1;
}

/** A one-line scalar from `j` to the end of the line, optionally followed by a comment. */
function scalar(line: string, j: number): boolean {
  const c = line[j];
  if (c === '"' || c === "'") {
    const end = quotedEnd(line, j);
    return end > 0 && onlyComment(line, end);
  }
  if (c === '{' && line[j + 1] === '}') return onlyComment(line, j + 2);
  if (c === '[') {
    const end = flowSequence(line, j);
    return end > 0 && onlyComment(line, end);
  }
  PLAIN_START.lastIndex = j;
  const plain = PLAIN_START.test(line) || (c === '-' && j + 1 < line.length && line[j + 1] !== ' ');
  if (!plain) return false;
  const comment = line.indexOf(' #', j);
  const body = (comment < 0 ? line.slice(j) : line.slice(j, comment)).trimEnd();
  return !body.endsWith(':') && !body.includes(': ');
}

/** The index after the quoted scalar that opens at `k` (double quotes without escapes, or single quotes with `''`), else -1. */
function quotedEnd(line: string, k: number): number {
  if (line[k] === '"') {
    const close = line.indexOf('"', k + 1);
    return close < 0 || line.lastIndexOf('\\', close) > k ? -1 : close + 1;
  }
  for (let m = k + 1; m < line.length; m++) {
    if (line[m] !== "'") continue;
    if (line[m + 1] !== "'") return m + 1;
    m++;
  }
  return -1;
}

// A plain item of a flow sequence: no spaces, colons or flow indicators.
const FLOW_PLAIN = /(?:[A-Za-z0-9_./~$(]|-(?=[A-Za-z0-9_./~$()=+@%-]))[A-Za-z0-9_./~$()=+@%-]*/y;

/** A one-line flow sequence of quoted or simple plain items (`["sh", "-c"]`, `[a, b]`, `[]`) from `j`; the index after its `]`, else -1. */
function flowSequence(line: string, j: number): number {
  let k = j + 1;
  const spaces = () => {
    while (line.charCodeAt(k) === SPACE) k++;
  };
  spaces();
  if (line[k] === ']') return k + 1;
  for (;;) {
    if (line[k] === '"' || line[k] === "'") {
      k = quotedEnd(line, k);
      if (k < 0) return -1;
    } else {
      FLOW_PLAIN.lastIndex = k;
      if (!FLOW_PLAIN.test(line)) return -1;
      k = FLOW_PLAIN.lastIndex;
    }
    spaces();
    if (line[k] === ']') return k + 1;
    if (line[k] !== ',') return -1;
    k++;
    spaces();
  }
}

/** Nothing but spaces and an optional comment from `k` on. */
function onlyComment(line: string, k: number): boolean {
  let m = k;
  while (line.charCodeAt(m) === SPACE) m++;
  return m === line.length || (line.charCodeAt(m) === HASH && m > k);
}
