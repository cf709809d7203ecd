/** What free text (a pasted file, a seed's `.env`, a spreadsheet column) holds of Google keys. */
export interface KeysInText {
  /** Each key once, in the order first found. */
  readonly keys: readonly string[];
  /** The line (from 1) each key was first found on. */
  readonly lines: readonly number[];
  /** Keys found again after their first time. */
  readonly duplicates: number;
  /**
   * Text that starts like a key but is not one: where, and why (never the text itself); the first
   * `maxMalformedReported`, so a hostile paste cannot make the answer as large as itself.
   */
  readonly malformed: readonly { readonly line: number; readonly problem: string }[];
  /** How many there were in all. */
  readonly malformedCount: number;
}

export const maxMalformedReported = 100;

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
  let malformedCount = 0;
  let line = 1;
  // The next newline not yet counted, searched for again only once passed: -1 when none is left.
  let newline = text.indexOf('\n');
  for (const match of text.matchAll(candidate)) {
    while (newline !== -1 && newline < match.index) {
      line++;
      newline = text.indexOf('\n', newline + 1);
    }
    const found = match[0];
    if (found.length !== keyLength) {
      malformedCount++;
      if (malformed.length === maxMalformedReported) continue;
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
  return { keys, lines, duplicates, malformed, malformedCount };
}
