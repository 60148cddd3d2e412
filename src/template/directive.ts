// Directive detection on a raw template line, before any substitution, so a
// variable's value can never create a directive.

export interface Directive {
  /** Spaces and tabs before the `#`; every loaded line gets it as a prefix. */
  indent: string;
  /** `load!` fails when nothing exists; `load?` leaves a comment. */
  required: boolean;
  /** Candidate paths as written (trimmed, empty items dropped), not yet interpolated. */
  candidates: string[];
}

const DIRECTIVE = /^([ \t]*)#[ \t]*load([!?])(?:[ \t]+(.*))?$/;

export function parseDirective(line: string): Directive | undefined {
  // Fast path: most lines are not comments.
  if (!line.includes('#')) return undefined;
  const match = DIRECTIVE.exec(line);
  if (!match) return undefined;
  const rest = match[3] ?? '';
  return {
    indent: match[1] ?? '',
    required: match[2] === '!',
    candidates: rest.split(',').map((c) => c.trim()).filter((c) => c !== ''),
  };
}
