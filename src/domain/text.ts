/** Text shown or stored within a length limit. */

/**
 * `text` cut to at most `maxChars` UTF-16 units, ending in `…` when cut, never inside a
 * surrogate pair and with no whitespace before the `…` ('planning…', not 'planning …'): a
 * reader sees that something was left out, and the rest stays valid text.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}…`;
}
