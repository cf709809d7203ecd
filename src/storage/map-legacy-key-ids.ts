import { legacyKeyId } from '../core/key-identity.js';
import type { KeyIdMove } from './replace-key-ids.js';

/**
 * The 8-character id each known key had before, mapped to its id now. Two keys sharing an old id
 * were merged then: the first in the pool's order (API_KEYS, then keys added at run time) is the
 * one the old gateway kept, so its state and log rows are the ones under that id. An old id that
 * is some key's id now (never, with real ids) is left alone.
 */
export function mapLegacyKeyIds(keys: readonly { readonly id: string; readonly secret: string }[]) {
  const current = new Set(keys.map((key) => key.id));
  const moves = new Map<string, string>();
  for (const key of keys) {
    const from = legacyKeyId(key.secret);
    if (!moves.has(from) && !current.has(from)) moves.set(from, key.id);
  }
  return moves;
}

/** The moves for the stored ids among `stored` that are old ids of known keys. */
export function movesFor(stored: Iterable<string>, legacy: ReadonlyMap<string, string>): KeyIdMove[] {
  const moves: KeyIdMove[] = [];
  for (const from of new Set(stored)) {
    const to = legacy.get(from);
    if (to !== undefined) moves.push({ from, to });
  }
  return moves;
}
