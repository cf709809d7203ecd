import type { Cancellation } from '../core/cancellation.js';

/** At most `size` child processes at once; the others wait their turn, in order of arrival. */
export interface ProcessSlots {
  /**
   * Resolves with the slot's release once one is free (release it exactly once, when the process
   * has ended); resolves undefined, without a slot, when `signal` cancels first.
   */
  take(signal?: Cancellation): Promise<(() => void) | undefined>;
  /** Processes running now, and requests waiting for one. */
  readonly running: number;
  readonly waiting: number;
}

interface Waiter {
  readonly grant: (release: () => void) => void;
  readonly signal?: Cancellation;
  readonly leave: () => void;
}

export function createProcessSlots(size: number): ProcessSlots {
  let running = 0;
  const queue: Waiter[] = [];

  function release(): void {
    running -= 1;
    const next = queue.shift();
    if (!next) return;
    next.signal?.off('abort', next.leave);
    running += 1;
    next.grant(once(release));
  }

  return {
    take(signal) {
      if (signal?.aborted) return Promise.resolve(undefined);
      if (running < size) {
        running += 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => {
        const waiter: Waiter = {
          grant: resolve,
          ...(signal ? { signal } : {}),
          leave: () => {
            const index = queue.indexOf(waiter);
            if (index !== -1) queue.splice(index, 1);
            resolve(undefined);
          },
        };
        signal?.once('abort', waiter.leave);
        queue.push(waiter);
      });
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** A release that frees its slot once, however often it is called. */
function once(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
