// Which values are secret, and how they are hidden. One rule for the whole tool:
// release records mask the variables it names, and template and manifest errors
// never print their values (nor the values of a Secret's data).

/** A variable whose name contains one of these words holds a secret. */
const SECRET_NAME = /pass|secret|token|key|credential/i;

export const MASK = '********';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The variables with the values of secret-looking names replaced by MASK. */
export function maskVariables(variables: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(variables)) out[k] = isSecretName(k) ? MASK : v;
  return out;
}

/** The non-empty values of secret-looking variables, longest first (so a value containing another is masked whole). */
export function secretValues(variables: Readonly<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const [k, v] of Object.entries(variables)) if (v !== '' && isSecretName(k)) values.add(v);
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each value replaced by MASK. */
export function maskValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK);
  return out;
}

/** Values shorter than this are not hunted in messages: masking "1" or "yes" everywhere would garble them. */
const SHORTEST_MASKED = 4;

/**
 * The values a Secret object carries (stringData as written, data both base64 and
 * decoded), to be kept out of any message about that object. Empty for other kinds.
 */
export function secretDataValues(object: { apiVersion?: unknown; kind?: unknown; data?: unknown; stringData?: unknown }): string[] {
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return [];
  const values = new Set<string>();
  const add = (v: string) => {
    if (v.length >= SHORTEST_MASKED) values.add(v);
  };
  const entries = (x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.values(x as Record<string, unknown>) : []);
  for (const v of entries(object.stringData)) if (v !== null && v !== undefined) add(typeof v === 'string' ? v : JSON.stringify(v));
  for (const v of entries(object.data)) {
    if (typeof v !== 'string') continue;
    add(v);
    const decoded = Buffer.from(v, 'base64').toString('utf8');
    if (decoded && !decoded.includes('\uFFFD')) add(decoded);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Anything that writes text. */
interface Writer {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A writer that masks `values` in everything written through it. */
export function maskingWriter<W extends Writer>(writer: W, values: readonly string[]): W {
  if (values.length === 0) return writer;
  return Object.assign(Object.create(writer) as W, { write: (text: string) => writer.write(maskValues(text, values)) });
}

/** The same error with `values` masked in its message, details, problems and fix (in place; returned for throwing). */
export function maskError<E>(error: E, values: readonly string[]): E {
  if (values.length === 0 || !(error instanceof Error)) return error;
  const e = error as Error & { detailLines?: string[]; problems?: string[]; fix?: string };
  e.message = maskValues(e.message, values);
  if (Array.isArray(e.detailLines)) e.detailLines = e.detailLines.map((l) => maskValues(l, values));
  if (Array.isArray(e.problems)) e.problems = e.problems.map((l) => maskValues(l, values));
  if (typeof e.fix === 'string') e.fix = maskValues(e.fix, values);
  return error;
}
