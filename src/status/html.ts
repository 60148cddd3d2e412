// Building HTML safely: every value goes through `text` or `attr` (escaped), links
// only to http(s) URLs, and pages are plain strings put together by `html` parts.

/** An already-safe HTML fragment. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escape(String(part));
}

/** Tagged template: interpolated values are escaped unless they are Html. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => { out += render(v) + (strings[i + 1] ?? ''); });
  return new Html(out);
}

export function join(parts: readonly Part[]): Html {
  return new Html(parts.map(render).join(''));
}

/** A link to an outside URL, only when it is http(s) (a recorded build URL could be anything). */
export function externalLink(url: string | undefined, label: string): Html {
  if (!url || !/^https?:\/\//i.test(url)) return html`${label}`;
  return html`<a href="${url}" rel="noopener noreferrer">${label}</a>`;
}

/** A path with each segment encoded, and a query. */
export function href(segments: readonly string[], query: Record<string, string | number | undefined> = {}): string {
  const path = '/' + segments.map((s) => encodeURIComponent(s)).join('/');
  const q = Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return q.length ? `${path}?${q.join('&')}` : path;
}
