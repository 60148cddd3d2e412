// Findings for people (text) and programs (JSON). Locations are template
// file:line, with the includes that led there.
import type { SourceLocation } from '../template/types.js';
import type { CheckResult } from './run.js';
import type { Finding } from './types.js';

/** How a template file is named in output (relative to the working directory when below it). */
export type ShowFile = (file: string) => string;

const at = (loc: SourceLocation, file: ShowFile) => `${file(loc.file)}:${loc.line}`;

/** A ShowFile from a manifest's location formatter (`file:line`). */
export function showFileOf(format: (loc: SourceLocation) => string): ShowFile {
  return (file) => format({ file, line: 0 }).replace(/:0$/, '');
}

/** `included from kubernetes.yaml:12` lines, innermost first. */
export function includedFrom(loc: SourceLocation, file: ShowFile): string[] {
  const out: string[] = [];
  for (let via = loc.via; via; via = via.via) out.push(at(via, file));
  return out;
}

const objectName = (f: Finding) => `${f.object.kind}/${f.object.name}`;

/** The finding's first line: `file:line: level [rule] Kind/name: message`. */
export function findingLine(f: Finding, file: ShowFile): string {
  const level = f.suppressed ? 'suppressed' : f.level;
  return `${at(f.location, file)}: ${level} [${f.rule}] ${objectName(f)}: ${f.message}`;
}

/** The lines below it: includes, related places, the reason of a suppression or the fix. */
export function findingDetails(f: Finding, file: ShowFile): string[] {
  const lines = includedFrom(f.location, file).map((l) => `included from ${l}`);
  for (const r of f.related ?? []) lines.push(`${r.label}: ${at(r.location, file)}`);
  if (f.suppressed) lines.push(`reason (${f.suppressed.annotation}): ${f.suppressed.reason}`);
  else {
    if (f.level !== f.configured) lines.push(`(an error elsewhere: this environment only warns)`);
    lines.push(`fix: ${f.fix}`);
  }
  return lines;
}

export function formatText(result: CheckResult, file: ShowFile, options: { suppressed?: boolean } = {}): string {
  const blocks = [...result.findings, ...(options.suppressed ? result.suppressed : [])].map((f) =>
    [findingLine(f, file), ...findingDetails(f, file).map((d) => `  ${d}`)].join('\n'));
  return blocks.length ? `${blocks.join('\n')}\n` : '';
}

export function summary(result: CheckResult): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(result.errors, 'error')}, ${n(result.warnings, 'warning')}, ${result.suppressed.length} suppressed`;
}

function findingJson(f: Finding, file: ShowFile) {
  return {
    rule: f.rule,
    level: f.level,
    ...(f.configured !== f.level && { configuredLevel: f.configured }),
    object: f.object,
    location: { file: file(f.location.file), line: f.location.line, includedFrom: includedFrom(f.location, file) },
    message: f.message,
    fix: f.fix,
    ...(f.related && { related: f.related.map((r) => ({ label: r.label, location: at(r.location, file) })) }),
    ...(f.suppressed && { suppressed: f.suppressed }),
  };
}

export function resultJson(result: CheckResult, file: ShowFile) {
  return {
    findings: result.findings.map((f) => findingJson(f, file)),
    suppressed: result.suppressed.map((f) => findingJson(f, file)),
    summary: { errors: result.errors, warnings: result.warnings, suppressed: result.suppressed.length },
  };
}
