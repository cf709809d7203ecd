import { describe, expect, it } from 'vitest';
import { type GeminiStreamEvent, parseGeminiStreamEvent } from './parse-gemini-stream-event.js';

describe('parseGeminiStreamEvent', () => {
  it.each<[string, string, Partial<GeminiStreamEvent>]>([
    ['a chunk', '{"candidates":[]}', { kind: 'chunk', response: { candidates: [] } }],
    [
      'Google’s error',
      '{"error":{"code":503,"message":"overloaded"}}',
      { kind: 'error', status: 503, malformed: false },
    ],
    [
      'an error with an odd code',
      '{"error":{"code":"x"}}',
      { kind: 'error', status: 500, message: 'Upstream error' },
    ],
    ['not JSON', '{not json}', { kind: 'error', status: 502, malformed: true }],
    ['a truncated object', '{"candidates": [', { kind: 'error', malformed: true }],
    ['null', 'null', { kind: 'error', malformed: true }],
    ['an array', '[1]', { kind: 'error', malformed: true }],
    ['a number', '42', { kind: 'error', malformed: true }],
    ['deep nesting', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, { kind: 'error', malformed: true }],
  ])('%s', (_name, data, expected) => {
    expect(parseGeminiStreamEvent(data)).toMatchObject(expected);
  });
});
