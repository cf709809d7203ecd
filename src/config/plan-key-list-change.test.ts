import { describe, expect, it } from 'vitest';
import { planKeyListChange } from './plan-key-list-change.js';

describe('planKeyListChange', () => {
  it.each([
    [['a', 'b'], ['b', 'c'], ['c'], ['a']],
    [['a'], ['a'], [], []],
    [[], ['a', 'a'], ['a'], []],
    [['a', 'b'], [], [], ['a', 'b']],
  ])('%j → %j adds %j and removes %j', (previous, next, added, removed) => {
    expect(planKeyListChange(previous, next)).toEqual({ added, removed });
  });
});
