import { createHash } from 'node:crypto';

/**
 * Hex characters of a key id: 64 bits of the key's SHA-256. With 32 bits, two of 10,000 keys
 * shared an id about once in a hundred pools; with 64 bits, about once in 4 × 10¹¹. The pool
 * still refuses a collision rather than trust those odds. Every key id column is varchar(16).
 */
export const keyIdLength = 16;

/**
 * Ids were 8 hex characters (32 bits) before; a database written then still holds them, and they
 * are rewritten at start (storage/rekey-stored-ids.ts). An old id is the new one's first 8 characters.
 */
export const legacyKeyIdLength = 8;

/** How a key is named everywhere outside the upstream request: a stable id and a masked form. */
export interface KeyIdentity {
  /** The first `keyIdLength` hex characters of the key's SHA-256: stable across restarts and instances. */
  readonly id: string;
  /** `AIza…x3Q9`: enough for an operator to recognise a key, not enough to use it. */
  readonly masked: string;
}

/** Turns a key into its identity; the pool takes one as an option, so tests can force collisions. */
export type IdentifyKey = (key: string) => KeyIdentity;

/**
 * Hex of the first `length / 2` bytes of the key's SHA-256. Encoded from those bytes alone, not cut
 * from the whole digest's hex: a slice would keep the 64-character string alive behind every id,
 * and read through it each time the key list compares 100,000 ids.
 */
function hashHex(key: string, length: number): string {
  return createHash('sha256')
    .update(key)
    .digest()
    .toString('hex', 0, length / 2);
}

export function createKeyIdentity(key: string): KeyIdentity {
  return { id: hashHex(key, keyIdLength), masked: maskKey(key) };
}

/** The id the key had before ids were 64 bits. */
export function legacyKeyId(key: string): string {
  return hashHex(key, legacyKeyIdLength);
}

export function maskKey(key: string): string {
  if (key.length <= 8) return '…';
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}
