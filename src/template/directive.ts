// Directive detection on a raw template line, before any substitution, so a
// variable's value can never create a directive.

export interface Directive {
  /** Spaces and tabs before the `#`; every loaded line gets it as a prefix. */
  indent: string;
  /** `load!` fails when nothing exists; `load?` leaves a comment. */
  required: boolean;
  /** Candidate paths as written (trimmed, empty items dropped), not yet interpolated. */
  candidates: string[];
  /** 0-based offset of each candidate in the line, for error columns. */
  offsets: number[];
  /** No candidate contains `${`: the directive means the same wherever it appears in one folder. */
  plain: boolean;
}

const DIRECTIVE = /^([ \t]*)#[ \t]*load([!?])(?:[ \t]+(.*))?$/;

export function parseDirective(line: string): Directive | undefined {
  // Fast path: most lines are not comments.
  if (!line.includes('#')) return undefined;
  const match = DIRECTIVE.exec(line);
  if (!match) return undefined;
  const rest = match[3] ?? '';
  const candidates: string[] = [];
  const offsets: number[] = [];
  let offset = line.length - rest.length;
  for (const item of rest.split(',')) {
    const trimmed = item.trim();
    if (trimmed !== '') {
      candidates.push(trimmed);
      offsets.push(offset + item.indexOf(trimmed));
    }
    offset += item.length + 1;
  }
  return { indent: match[1] ?? '', required: match[2] === '!', candidates, offsets, plain: !rest.includes('${') };
}
