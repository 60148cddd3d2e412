// Per-object timeout override: the annotation `eastern.io/timeout` on a live object
// replaces --timeout for that object. Values are seconds ("600") or Go-style
// durations ("90s", "10m", "1h30m"); "0" means no timeout for that object.

export const TIMEOUT_ANNOTATION = 'eastern.io/timeout';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * (UNIT_SECONDS[match[2] as string] ?? 0);
  }
  return total;
}

export interface ObjectTimeout {
  /** 0 = none. */
  seconds: number;
  fromAnnotation: boolean;
  /** Set when the annotation holds something that is not a duration. */
  warning?: string;
}

export function objectTimeout(annotations: Record<string, string> | undefined, defaultSeconds: number): ObjectTimeout {
  const raw = annotations?.[TIMEOUT_ANNOTATION];
  if (raw === undefined) return { seconds: defaultSeconds, fromAnnotation: false };
  const seconds = parseDuration(raw);
  if (seconds === undefined) {
    return {
      seconds: defaultSeconds,
      fromAnnotation: false,
      warning: `annotation ${TIMEOUT_ANNOTATION}: "${raw}" is not a duration (write seconds like "600", or "90s", "10m", "1h30m"); using ${defaultSeconds === 0 ? 'no timeout' : `${defaultSeconds}s`}`,
    };
  }
  return { seconds, fromAnnotation: true };
}
