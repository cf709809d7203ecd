import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './exceeds-json-depth.js';

const bytes = (text: string) => Buffer.from(text);

describe('exceedsJsonDepth', () => {
  it.each([
    ['[[[]]]', 3, false],
    ['[[[[]]]]', 3, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[{}]}}', 3, true],
    // Brackets inside strings, escaped quotes and backslashes do not nest.
    ['["[[[[", "{{{{"]', 1, false],
    ['["\\"[[[[", "\\\\", [[]]]', 2, true],
    ['["\\\\\\"[[[["]', 1, false],
    // An unterminated string ends the scan.
    ['["[[[[', 1, false],
    [`{"image":"${'A'.repeat(100_000)}","x":[[[]]]}`, 3, true],
  ])('%s nests deeper than %i: %s', (text, limit, expected) => {
    expect(exceedsJsonDepth(bytes(text), limit)).toBe(expected);
  });

  it('stops at the limit on 100 000 nested arrays', () => {
    expect(exceedsJsonDepth(bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBe(true);
  });
});
