import { describe, expect, it } from 'vitest';
import { keyFormatProblem } from './key-format-problem.js';

describe('keyFormatProblem', () => {
  it.each([
    ['AIzaSyValid_key-123', undefined],
    ['ok-key-a', undefined],
    ['~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}', undefined],
    ['', 'is empty'],
    ['x'.repeat(257), 'is longer than 256 characters'],
    ['AIza\u0000Sy', 'has a control character at position 5'],
    ['AIza\r\nX-Injected: 1', 'has a control character at position 5'],
    ['AIza\tkey', 'has a control character at position 5'],
    ['AIza\u007fkey', 'has a control character at position 5'],
    ['AIza key', 'has whitespace at position 5'],
    ['AIza\u00a0key', 'has whitespace at position 5'],
    ['AIza\u2028key', 'has whitespace at position 5'],
    ['AIzaé', 'has a character outside printable ASCII at position 5'],
    ['AIza\u200bkey', 'has a character outside printable ASCII at position 5'],
    ['AIza\u{1f511}', 'has a character outside printable ASCII at position 5'],
  ])('%j → %j', (key, expected) => {
    expect(keyFormatProblem(key)).toBe(expected);
  });
});
