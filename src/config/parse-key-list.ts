import { keyFormatProblem } from '../core/key-format-problem.js';
import { parseList } from './parse-list.js';

/** API_KEYS: a list whose every entry can be an API key; a bad one is named by its place only. */
export function parseKeyList(text: string): string[] {
  const keys = parseList(text);
  keys.forEach((key, index) => {
    const problem = keyFormatProblem(key);
    if (problem) throw new Error(`entry ${index + 1} ${problem}`);
  });
  return keys;
}
