/** What free text (a pasted file, a seed's `.env`, a spreadsheet column) holds of Google keys. */
export interface KeysInText {
  /** Each key once, in the order first found. */
  readonly keys: readonly string[];
  /** The line (from 1) each key was first found on. */
  readonly lines: readonly number[];
  /** Keys found again after their first time. */
  readonly duplicates: number;
  /** Text that starts like a key but is not one: where, and why (never the text itself). */
  readonly malformed: readonly { readonly line: number; readonly problem: string }[];
}

const keyLength = 39;
// `AIza` where a word starts, and every key character after it: the whole run is judged, so a key
// glued to more characters is reported rather than cut out of them.
const candidate = /(?<![0-9A-Za-z_-])AIza[0-9A-Za-z_-]*/g;

/**
 * Finds Google API keys (`AIza` and 35 of `0-9A-Za-z_-`) anywhere in `text`: quoted, in JSON or a
 * comma list, one per line, among other words. Pure.
 */
export function findKeysInText(text: string): KeysInText {
  const keys: string[] = [];
  const lines: number[] = [];
  const seen = new Set<string>();
  const malformed: { line: number; problem: string }[] = [];
  let duplicates = 0;
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(candidate)) {
    const at = match.index;
    for (
      let index = text.indexOf('\n', counted);
      index !== -1 && index < at;
      index = text.indexOf('\n', index + 1)
    )
      line++;
    counted = at;
    const found = match[0];
    if (found.length !== keyLength) {
      malformed.push({
        line,
        problem: `starts like a Google API key but has ${found.length} characters, not ${keyLength}`,
      });
    } else if (seen.has(found)) duplicates++;
    else {
      seen.add(found);
      keys.push(found);
      lines.push(line);
    }
  }
  return { keys, lines, duplicates, malformed };
}
