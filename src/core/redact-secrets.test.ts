import { describe, expect, it } from 'vitest';
import { createKeyIdentity, maskKey } from './key-identity.js';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('masks known secrets and anything shaped like a Google key', () => {
    // Built at run time: a literal of this shape in the source would look like a leaked key.
    const googleShaped = `AIza${'SyFAKEfake'.repeat(3)}00009`;
    expect(redactSecrets(`Consumer 'api_key:${googleShaped}' and my-own-key-123`, ['my-own-key-123'])).toBe(
      "Consumer 'api_key:AIza…0009' and my-o…-123",
    );
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('The model is overloaded.', ['k'])).toBe('The model is overloaded.');
  });
});

describe('key identity', () => {
  it('is stable, short and reveals only the ends of the key', () => {
    expect(createKeyIdentity('AIzaSyExample')).toEqual(createKeyIdentity('AIzaSyExample'));
    expect(createKeyIdentity('AIzaSyExample').id).toMatch(/^[0-9a-f]{8}$/);
    expect(createKeyIdentity('a').id).not.toBe(createKeyIdentity('b').id);
    expect(maskKey('AIzaSyExample')).toBe('AIza…mple');
    expect(maskKey('short')).toBe('…');
  });
});
