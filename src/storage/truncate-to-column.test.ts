import { describe, expect, it } from 'vitest';
import { truncateNullable, truncateToColumn } from './truncate-to-column.js';

describe('truncateToColumn', () => {
  it.each([
    ['short text is kept', 'gemini-2.5-flash', 255, 'gemini-2.5-flash'],
    ['text at the limit is kept', 'abc', 3, 'abc'],
    ['long text is cut at the limit', 'x'.repeat(300), 255, 'x'.repeat(255)],
    ['multi-byte characters count once', 'é'.repeat(300), 255, 'é'.repeat(255)],
    ['a cut inside a surrogate pair drops the half', `ab${'😀'.repeat(3)}`, 5, 'ab😀'],
    ['a cut after a whole pair keeps it', `ab${'😀'.repeat(3)}`, 6, 'ab😀😀'],
    ['NUL becomes U+FFFD', 'a\u0000b', 10, 'a\uFFFDb'],
  ])('%s', (_case, value, maxChars, expected) => {
    const fitted = truncateToColumn(value, maxChars);
    expect(fitted).toBe(expected);
    expect([...fitted].length).toBeLessThanOrEqual(maxChars);
    expect(Buffer.from(fitted, 'utf8').toString('utf8')).toBe(fitted);
  });

  it('keeps null', () => {
    expect(truncateNullable(null, 3)).toBeNull();
    expect(truncateNullable('abcd', 3)).toBe('abc');
  });
});
