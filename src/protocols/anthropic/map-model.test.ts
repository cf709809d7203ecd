import { describe, expect, it } from 'vitest';
import { createModelMap } from './map-model.js';

describe('createModelMap', () => {
  const map = createModelMap({
    'claude-*opus*': 'gemini-2.5-pro',
    'claude-3-5-haiku*': 'gemini-2.5-flash-lite',
    'claude-*haiku*': 'gemini-2.5-flash',
    'exact-name': 'gemini-2.0-flash',
  });

  it('maps by the first pattern that matches, in the order written, ignoring case', () => {
    expect(map('claude-opus-4-1-20250805')).toBe('gemini-2.5-pro');
    expect(map('claude-3-opus-20240229')).toBe('gemini-2.5-pro');
    expect(map('claude-3-5-haiku-20241022')).toBe('gemini-2.5-flash-lite');
    expect(map('claude-haiku-4-5')).toBe('gemini-2.5-flash');
    expect(map('Claude-Opus-4')).toBe('gemini-2.5-pro');
    expect(map('exact-name')).toBe('gemini-2.0-flash');
    expect(map('exact-name-2')).toBe('exact-name-2');
  });

  it('passes names no pattern matches through, Gemini’s among them', () => {
    expect(map('gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(map('claude-sonnet-4-5')).toBe('claude-sonnet-4-5');
  });

  it('anchors both ends and needs every piece in order', () => {
    const strict = createModelMap({ 'a*b*c': 'x' });
    expect(strict('abc')).toBe('x');
    expect(strict('a-b-c')).toBe('x');
    expect(strict('a-c-b')).toBe('a-c-b');
    expect(strict('xa-b-c')).toBe('xa-b-c');
    expect(strict('a-b-cx')).toBe('a-b-cx');
    // The last piece may not overlap the first.
    expect(createModelMap({ 'ab*ba': 'x' })('aba')).toBe('aba');
  });

  it('answers a hostile name against many stars at once', () => {
    const stars = createModelMap({ [`${'a*'.repeat(40)}b`]: 'x' });
    const started = performance.now();
    expect(stars('a'.repeat(256))).toBe('a'.repeat(256));
    expect(performance.now() - started).toBeLessThan(50);
  });
});
