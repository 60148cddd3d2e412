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
