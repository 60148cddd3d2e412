import { isAbsolute, relative } from 'node:path';
import type { SourceLocation } from './types.js';

/** A path relative to cwd when it lies below it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export function formatLocation(loc: SourceLocation, cwd: string, column?: number): string {
  return `${displayPath(loc.file, cwd)}:${loc.line}${column === undefined ? '' : `:${column}`}`;
}

/** The directives that led to `loc`, innermost first, as "included from …" lines. */
export function includeChain(loc: SourceLocation, cwd: string): string[] {
  const lines: string[] = [];
  for (let via = loc.via; via; via = via.via) lines.push(`included from ${formatLocation(via, cwd)}`);
  return lines;
}
