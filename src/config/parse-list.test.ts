import { describe, expect, it } from 'vitest';
import { parseList } from './parse-list.js';

describe('parseList', () => {
  it.each([
    ['["a","b"]', ['a', 'b']],
    ['[" a ", ""]', ['a']],
    ['a,b', ['a', 'b']],
    [' a , b ,, ', ['a', 'b']],
    ['single', ['single']],
    ['[]', []],
  ])('parses %j', (text, expected) => {
    expect(parseList(text)).toEqual(expected);
  });

  it.each(['["secret-a",', '[1,2]'])('rejects %j without repeating it', (text) => {
    expect(() => parseList(text)).toThrow(/JSON array/);
    expect(() => parseList(text)).not.toThrow(text);
  });
});
