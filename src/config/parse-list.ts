/**
 * A list setting as gemini-balance users write it: a JSON array (`["a","b"]`) or comma-separated
 * text (`a, b`). Blank entries are dropped.
 */
export function parseList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error('expected a JSON array or comma-separated values, but the JSON array does not parse');
    }
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')) {
      throw new Error('expected a JSON array of strings');
    }
    return parsed.map((item: string) => item.trim()).filter((item) => item.length > 0);
  }
  return trimmed
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
