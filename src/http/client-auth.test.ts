import { describe, expect, it } from 'vitest';
import { createTokenChecker, extractGeminiToken } from './client-auth.js';

describe('createTokenChecker', () => {
  const check = createTokenChecker(['sk-a', 'admin', '']);
  it.each([
    ['sk-a', 'ok'],
    ['admin', 'ok'],
    ['sk-b', 'invalid'],
    ['', 'missing'],
    [undefined, 'missing'],
  ])('%j → %s', (token, expected) => {
    expect(check(token)).toBe(expected);
  });
});

describe('extractGeminiToken', () => {
  it.each([
    [{ 'x-goog-api-key': 'h' }, { key: 'q' }, 'h'],
    [{}, { key: 'q' }, 'q'],
    [{ authorization: 'Bearer b' }, {}, 'b'],
    [{ authorization: 'bearer   b2 ' }, {}, 'b2'],
    [{ authorization: 'Basic xyz' }, {}, undefined],
    [{}, {}, undefined],
  ])('headers %j, query %j → %j', (headers, query, expected) => {
    expect(extractGeminiToken({ headers, query })).toBe(expected);
  });
});
