import { describe, expect, it } from 'vitest';
import { createKeyIdentity, keyIdLength, legacyKeyId, legacyKeyIdLength } from './key-identity.js';

describe('key ids', () => {
  it('are 64 bits of the key’s SHA-256, in hex', () => {
    expect(keyIdLength * 4).toBeGreaterThanOrEqual(64);
    // SHA-256('AIzaSyExample'), first 16 hex characters.
    expect(createKeyIdentity('AIzaSyExample').id).toBe('4ed2d723272d76fc');
    expect(createKeyIdentity('AIzaSyExample').id).toHaveLength(keyIdLength);
  });

  it('begin with the 8-character id of before, which a stored row may still carry', () => {
    expect(legacyKeyId('AIzaSyExample')).toBe('4ed2d723');
    expect(legacyKeyId('AIzaSyExample')).toHaveLength(legacyKeyIdLength);
    expect(createKeyIdentity('AIzaSyExample').id.startsWith(legacyKeyId('AIzaSyExample'))).toBe(true);
  });
});
