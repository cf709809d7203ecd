import { describe, expect, it } from 'vitest';
import { adminTokenOf, isAdminToken } from '../core/admin-token.js';
import { adminClient, clientIdentityOf } from '../core/client-identity.js';
import { createTokenChecker, extractGeminiToken } from './client-auth.js';

describe('createTokenChecker', () => {
  const long = 'sk-a-long-client-token-1234';
  const check = createTokenChecker(['sk-a', '', long], 'configured-admin', adminTokenOf('generated'));
  it.each([
    ['sk-a', clientIdentityOf('sk-a')],
    [long, clientIdentityOf(long)],
    ['configured-admin', adminClient],
    ['generated', adminClient],
    ['sk-b', 'invalid'],
    ['generated ', 'invalid'],
    ['', 'missing'],
    [undefined, 'missing'],
  ])('%j → %j', (token, expected) => {
    expect(check(token)).toEqual(expected);
  });

  it('names clients by an id and a label that do not hold the token', () => {
    const client = clientIdentityOf(long);
    expect(client.id).toMatch(/^[0-9a-f]{16}$/);
    expect(client.label).toBe('…1234');
    expect(clientIdentityOf('sk-a').label).toBe(`token ${clientIdentityOf('sk-a').id.slice(0, 6)}`);
    expect(clientIdentityOf('sk-b').id).not.toBe(clientIdentityOf('sk-a').id);
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
