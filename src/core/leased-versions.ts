/** One version of a value, held until `release` is called (exactly once). */
export interface Lease<T> {
  readonly value: T;
  readonly release: () => void;
}

export interface LeasedVersions<T> {
  /** The current version, held until its lease is released. Allocates nothing. */
  acquire(): Lease<T>;
  current(): T;
  /** Makes `next` current; the version it replaces retires once its last lease is released. */
  replace(next: T): void;
}

/**
 * Versions of a value that holders keep while they work, such as the options one request was
 * given: a replaced version stays whole for whoever still holds it, and `retire` (which closes
 * what only that version used) runs once nobody does — at once when nobody held it.
 */
export function createLeasedVersions<T>(initial: T, retire: (value: T) => void): LeasedVersions<T> {
  // Each version is its own lease, with its release bound once: a request costs a counter.
  function version(value: T) {
    let holders = 0;
    let replaced = false;
    const lease = {
      value,
      release: () => {
        holders -= 1;
        if (replaced && holders === 0) retire(value);
      },
      hold: () => {
        holders += 1;
        return lease;
      },
      supersede: () => {
        replaced = true;
        if (holders === 0) retire(value);
      },
    };
    return lease;
  }

  let current = version(initial);
  return {
    acquire: () => current.hold(),
    current: () => current.value,
    replace(next) {
      const previous = current;
      current = version(next);
      previous.supersede();
    },
  };
}
