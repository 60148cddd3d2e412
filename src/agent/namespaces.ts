// The namespace allow-list of an agent (kubernetes.namespaces): shell-style globs,
// `*` any run of characters, `?` one character. Without a list, every namespace but
// the cluster's own kube-* ones.

export const defaultNamespacePolicy = 'every namespace except kube-*';

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** True when the pattern has no glob characters (an exact namespace name). */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?]/.test(pattern);
}

/** A predicate for the allow-list; `undefined` means the default policy. */
export function namespaceMatcher(patterns: readonly string[] | undefined): (namespace: string) => boolean {
  if (patterns === undefined) return (namespace) => !namespace.startsWith('kube-');
  const regexps = patterns.map(globToRegExp);
  return (namespace) => regexps.some((re) => re.test(namespace));
}

/** How the allow-list reads in messages. */
export function describePolicy(patterns: readonly string[] | undefined): string {
  return patterns === undefined ? defaultNamespacePolicy : patterns.length === 0 ? 'no namespace at all' : patterns.join(', ');
}
