/** Longer than any API key; a bound on what the pool, the store and every request header carry. */
const maxKeyLength = 256;

/**
 * Why `key` cannot be an API key — a control character, whitespace or a character outside
 * printable ASCII, named by its position (from 1) and kind, never by the key or the character —
 * or undefined when it can. Such a key is refused where it enters (API_KEYS, the operator API):
 * in a header it is at best refused by Google for every call, at worst splits the header.
 */
export function keyFormatProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > maxKeyLength) return `is longer than ${maxKeyLength} characters`;
  for (let index = 0; index < key.length; index += 1) {
    const code = key.charCodeAt(index);
    if (code >= 0x21 && code <= 0x7e) continue;
    const kind =
      code < 0x20 || code === 0x7f
        ? 'a control character'
        : /\s/.test(key.charAt(index))
          ? 'whitespace'
          : 'a character outside printable ASCII';
    return `has ${kind} at position ${index + 1}`;
  }
  return undefined;
}
