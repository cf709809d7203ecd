import { describe, expect, it } from 'vitest';
import { createModelLabels } from './create-model-labels.js';

describe('createModelLabels', () => {
  it('names models the settings name or Google served, and no other', () => {
    const labels = createModelLabels(['gemini-2.5-flash']);
    expect(labels.of('gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(labels.of('gemini-2.5-pro')).toBe('other');
    expect(labels.of(null)).toBe('none');
    labels.learn('gemini-2.5-pro');
    expect(labels.of('gemini-2.5-pro')).toBe('gemini-2.5-pro');
  });

  it('stops naming new models at its bound, whatever succeeds', () => {
    const labels = createModelLabels(['a'], 3);
    for (const model of ['b', 'c', 'd', 'e']) labels.learn(model);
    expect(['a', 'b', 'c', 'd', 'e'].map((model) => labels.of(model))).toEqual([
      'a',
      'b',
      'c',
      'other',
      'other',
    ]);
  });
});
