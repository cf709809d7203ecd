/**
 * Fits text into a column of `maxChars` characters. MySQL (utf8mb4) and PostgreSQL count code
 * points, never more than JavaScript's UTF-16 units, so cutting at `maxChars` units always fits; a
 * cut that would split a surrogate pair drops its first half instead of leaving half a character.
 * NUL, which PostgreSQL refuses in text, becomes U+FFFD.
 */
export function truncateToColumn(value: string, maxChars: number): string {
  const fitted = value.length <= maxChars ? value : cut(value, maxChars);
  return fitted.includes('\u0000') ? fitted.replaceAll('\u0000', '\uFFFD') : fitted;
}

function cut(value: string, maxChars: number): string {
  const last = value.charCodeAt(maxChars - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return value.slice(0, splitsPair ? maxChars - 1 : maxChars);
}

/** `truncateToColumn` for a nullable column. */
export function truncateNullable(value: string | null, maxChars: number): string | null {
  return value === null ? null : truncateToColumn(value, maxChars);
}
