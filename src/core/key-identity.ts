import { createHash } from 'node:crypto';

/** How a key is named everywhere outside the upstream request: a stable id and a masked form. */
export interface KeyIdentity {
  /** First 8 hex characters of the key's SHA-256: stable across restarts and instances. */
  readonly id: string;
  /** `AIza…x3Q9`: enough for an operator to recognise a key, not enough to use it. */
  readonly masked: string;
}

export function createKeyIdentity(key: string): KeyIdentity {
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), masked: maskKey(key) };
}

export function maskKey(key: string): string {
  if (key.length <= 8) return '…';
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}
