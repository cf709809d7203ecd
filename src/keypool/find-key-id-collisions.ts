/** Two different keys with the same id: the pool could only keep one of them. */
export interface KeyIdCollision {
  readonly id: string;
  /** Place in the list given of the key refused. */
  readonly index: number;
  /** Place in the same list of the earlier key with that id; absent when the pool already holds it. */
  readonly earlierIndex?: number;
}

/**
 * The collisions in a list of keys about to be added to a pool that already holds `held`: a key
 * whose id names a different key, earlier in the list or held. The same key twice is no collision.
 * Pure, so a test can craft ids that collide.
 */
export function findKeyIdCollisions(
  keys: readonly { readonly id: string; readonly secret: string }[],
  held: (id: string) => string | undefined,
): KeyIdCollision[] {
  const collisions: KeyIdCollision[] = [];
  const first = new Map<string, { secret: string; index: number }>();
  keys.forEach(({ id, secret }, index) => {
    const heldSecret = held(id);
    if (heldSecret !== undefined) {
      if (heldSecret !== secret) collisions.push({ id, index });
      return;
    }
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, { secret, index });
    else if (earlier.secret !== secret) collisions.push({ id, index, earlierIndex: earlier.index });
  });
  return collisions;
}

/**
 * Thrown by the pool instead of merging two keys; names ids and places, never a key. Callers that
 * know where the list came from (API_KEYS, a request body) say so with `describeKeyIdCollisions`.
 */
export class KeyIdCollisionError extends Error {
  constructor(
    readonly collisions: readonly KeyIdCollision[],
    place: (index: number) => string = (index) => `key ${index + 1} of the list`,
  ) {
    super(describeKeyIdCollisions(collisions, place));
    this.name = 'KeyIdCollisionError';
  }
}

/** Runs `add`; a collision it refuses is thrown again with each place named by `place`. */
export function namingKeyPlaces<T>(add: () => T, place: (index: number) => string): T {
  try {
    return add();
  } catch (error) {
    if (error instanceof KeyIdCollisionError) throw new KeyIdCollisionError(error.collisions, place);
    throw error;
  }
}

/** One sentence per collision, each place named by `place`, e.g. `API_KEYS entry 3`. */
export function describeKeyIdCollisions(
  collisions: readonly KeyIdCollision[],
  place: (index: number) => string,
): string {
  return collisions
    .map(({ id, index, earlierIndex }) =>
      earlierIndex === undefined
        ? `${place(index)} is a different key with the id ${id} of a key already in the pool`
        : `${place(earlierIndex)} and ${place(index)} are different keys with the same id ${id}`,
    )
    .join('; ');
}
