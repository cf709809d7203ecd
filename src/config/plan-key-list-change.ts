/**
 * How the pool follows a change of API_KEYS: keys new to the list are added, keys gone from it
 * removed; keys that stay are left alone and keep their state (the seed's state-preserving
 * rebuild), even one an operator removed at run time. Pure.
 */
export function planKeyListChange(
  previous: readonly string[],
  next: readonly string[],
): { readonly added: string[]; readonly removed: string[] } {
  const before = new Set(previous);
  const after = new Set(next);
  return {
    added: [...after].filter((key) => !before.has(key)),
    removed: [...before].filter((key) => !after.has(key)),
  };
}
