// What an error about rendered output may show of it. A Secret's values and the
// values of secret-looking variables (src/secrets/masking.ts) never appear: the
// message keeps the file:line, the key and the YAML problem, and masks the rest.
import { MASK, maskValues } from '../secrets/masking.js';

// `kind: Secret` at any indentation (a List's items too), block or flow style, quoted or not.
const SECRET_KIND = /(?:^|[\s{,])["']?kind["']?[ \t]*:[ \t]*["']?Secret["']?(?=[ \t]*(?:$|[,}#]))/;
// Indentation, sequence dashes, and a key (plain or quoted) followed by `:`.
const KEYED = /^([ \t]*(?:-[ \t]+)*(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:,[\]{}][^#]*?|-[^\s#][^#]*?)[ \t]*:)(?:[ \t]|$)/;

/** Whether lines[start, end) hold a document of kind Secret. */
export function isSecretDocument(lines: readonly string[], start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const line = lines[i] as string;
    if (line.includes('Secret') && SECRET_KIND.test(line)) return true;
  }
  return false;
}

export interface Redaction {
  /** The document is a Secret: every value is masked. */
  secretDocument: boolean;
  /** Values of secret-looking variables, masked wherever they appear. */
  values: readonly string[];
}

/** A rendered line as an error may show it. */
export function redactLine(line: string, r: Redaction): string {
  const text = maskValues(line, r.values);
  if (!r.secretDocument) return text;
  const indent = (/^[ \t]*/.exec(text) as RegExpExecArray)[0];
  if (indent.length === text.length) return text;
  const keyed = KEYED.exec(text);
  if (!keyed) return `${indent}${MASK}`;
  const head = keyed[1] as string;
  return head.length === text.trimEnd().length ? head : `${head} ${MASK}`;
}

/** A parser's reason, which may quote the text (`unidentified alias "…"`, `unknown tag !<…>`). */
export function redactReason(reason: string, r: Redaction): string {
  const text = maskValues(reason, r.values);
  if (!r.secretDocument) return text;
  return text.replace(/"(?:[^"\\]|\\.)*"/g, `"${MASK}"`).replace(/!<[^>]*>/g, `!<${MASK}>`).replace(/((?:malformed|characters): ).*$/, `$1${MASK}`);
}

/** Whether lines[start, end) show anything the redaction would hide (a parser's own message quotes neighbouring lines). */
export function isSensitive(lines: readonly string[], start: number, end: number, r: Redaction): boolean {
  if (r.secretDocument) return true;
  if (r.values.length === 0) return false;
  for (let i = start; i < end; i++) if (r.values.some((v) => (lines[i] as string).includes(v))) return true;
  return false;
}
