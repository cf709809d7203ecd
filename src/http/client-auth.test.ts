import { describe, expect, it } from 'vitest';
import { adminTokenOf, isAdminToken } from '../core/admin-token.js';
import { createTokenChecker, extractGeminiToken } from './client-auth.js';

describe('createTokenChecker', () => {
  const check = createTokenChecker(['sk-a', ''], adminTokenOf('admin'));
  it.each([
    ['sk-a', 'ok'],
    ['admin', 'ok'],
    ['sk-b', 'invalid'],
    ['admin ', 'invalid'],
    ['', 'missing'],
    [undefined, 'missing'],
  ])('%j → %s', (token, expected) => {
    expect(check(token)).toBe(expected);
  });
});

describe('isAdminToken', () => {
  it.each([
    ['admin-token', 'admin-token', true],
    ['admin-token', 'admin-tokem', false],
    ['admin-token', 'admin-token ', false],
    ['admin-token', 'admin', false],
    ['admin-token', '', false],
    ['admin-token', undefined, false],
    ['tökén', 'tökén', true],
  ])('secret %j, token %j → %s', (secret, token, expected) => {
    expect(isAdminToken(adminTokenOf(secret), token)).toBe(expected);
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
