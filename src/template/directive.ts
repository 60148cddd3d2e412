// Directive detection on a raw template line, before any substitution, so a
// variable's value can never create a directive. "Whitespace" around the `#` is
// Python's (str.isspace), as in the Python eastern the language comes from: a `#`
// followed by a non-breaking space and `load!` is a directive there.
import { isPyWhitespace, pyStrip } from './whitespace.js';

export interface Directive {
  /** The text before the `#` (whitespace); every loaded line gets it as a prefix. */
  indent: string;
  /** `load!` fails when nothing exists; `load?` leaves a comment. */
  required: boolean;
  /** Candidate paths as written, split at commas and trimmed (empty ones kept out); not yet interpolated. */
  candidates: string[];
  /** 0-based offset of each candidate in the line, for error columns. */
  offsets: number[];
  /** The candidate list as written (everything after `load!`/`load?` and one space or tab, trailing whitespace dropped): an unmet `load?` prints it. */
  list: string;
  /** 0-based offset of `list` in the line. */
  listOffset: number;
  /** No candidate contains `${`: the directive means the same wherever it appears in one folder. */
  plain: boolean;
}

export function parseDirective(line: string): Directive | undefined {
  // Fast path: most lines are not comments.
  const hash = line.indexOf('#');
  if (hash < 0) return undefined;
  for (let i = 0; i < hash; i++) if (!isPyWhitespace(line.charCodeAt(i))) return undefined;
  let k = hash + 1;
  while (k < line.length && isPyWhitespace(line.charCodeAt(k))) k++;
  if (!line.startsWith('load', k)) return undefined;
  const mark = line[k + 4];
  if (mark !== '!' && mark !== '?') return undefined;
  k += 5;
  const rest = pyStrip(line.slice(k), 'end');
  let listOffset = k;
  let list = '';
  if (rest !== '') {
    // A space ends the keyword in Python; Eastern also takes a tab (README table).
    if (rest[0] !== ' ' && rest[0] !== '\t') return undefined;
    listOffset = k + 1;
    list = rest.slice(1);
  }
  const candidates: string[] = [];
  const offsets: number[] = [];
  let offset = listOffset;
  for (const item of list.split(',')) {
    const trimmed = pyStrip(item);
    if (trimmed !== '') {
      candidates.push(trimmed);
      offsets.push(offset + item.indexOf(trimmed));
    }
    offset += item.length + 1;
  }
  return { indent: line.slice(0, hash), required: mark === '!', candidates, offsets, list, listOffset, plain: !list.includes('${') };
}
