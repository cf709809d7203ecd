import { describe, expect, it } from 'vitest';
import { createTokenChecker, createTokenMatcher, extractGeminiToken } from './client-auth.js';

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

describe('createTokenMatcher', () => {
  it.each([
    ['admin-token', 'admin-token', true],
    ['admin-token', 'admin-tokem', false],
    ['admin-token', 'admin-token ', false],
    ['admin-token', 'admin', false],
    ['admin-token', '', false],
    ['admin-token', undefined, false],
    ['', '', false],
    ['tökén', 'tökén', true],
  ])('secret %j, token %j → %s', (secret, token, expected) => {
    expect(createTokenMatcher(secret)(token)).toBe(expected);
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
