import { describe, expect, it } from 'vitest';
import { inChunks } from './in-chunks.js';

describe('inChunks', () => {
  it.each<[number[], number, number[][]]>([
    [[], 3, []],
    [[1], 3, [[1]]],
    [[1, 2, 3], 3, [[1, 2, 3]]],
    [[1, 2, 3, 4, 5, 6, 7], 3, [[1, 2, 3], [4, 5, 6], [7]]],
  ])('%j by %i', (items, size, expected) => {
    expect(inChunks(items, size)).toEqual(expected);
  });
});
