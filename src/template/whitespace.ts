// Python's whitespace (str.isspace, and `\s` in its regular expressions): the
// Python eastern trims candidates and finds directives with it. It differs from
// JavaScript's trim(): U+001C–U+001F and U+0085 are whitespace, U+FEFF is not.

export function isPyWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** Python's str.strip() (or rstrip() with 'end'). */
export function pyStrip(text: string, side: 'both' | 'end' = 'both'): string {
  let start = 0;
  let end = text.length;
  if (side === 'both') while (start < end && isPyWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPyWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
