import type { Clock } from '../core/clock.js';
import type { KeyPool, KeyStateChange } from './key-pool.js';
import type { KeyStore } from './key-store.js';

export interface KeyStateSaver {
  /** Saves what changed since the last save. */
  save(): Promise<void>;
  close(): Promise<void>;
}

export interface KeyStateSaverOptions {
  readonly clock: Clock;
  readonly intervalMs?: number;
  /** The first failed save of an outage; later failures of the same outage are not reported. */
  readonly onOutage?: (error: unknown) => void;
  /** The first save that succeeds after an outage. */
  readonly onRecovery?: (report: { readonly downMs: number; readonly failedSaves: number }) => void;
}

type Pending = Map<string, KeyStateChange | null>;

/** Two unsaved changes of one key as one: the later state, the counts of both. */
function combine(
  earlier: KeyStateChange | null | undefined,
  later: KeyStateChange | null,
): KeyStateChange | null {
  if (!earlier || !later) return later;
  return {
    state: later.state,
    addedRequests: earlier.addedRequests + later.addedRequests,
    addedFailures: earlier.addedFailures + later.addedFailures,
  };
}

/**
 * Saves the pool's changed key states on a timer, off the request path: a request changes memory
 * only. A failed save keeps its changes for the next one; only the latest state of a key is kept
 * (with the counts of every change), so an outage holds at most one change per key.
 */
export function createKeyStateSaver(
  pool: KeyPool,
  store: KeyStore,
  options: KeyStateSaverOptions,
): KeyStateSaver {
  let pending: Pending = new Map();
  let saving: Promise<void> | undefined;
  let outage: { sinceMs: number; failedSaves: number } | undefined;

  async function saveOnce(): Promise<void> {
    for (const [id, change] of pool.takeChanged()) pending.set(id, combine(pending.get(id), change));
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await store.saveStates(batch, options.clock.now());
    } catch (error) {
      // Changes taken while this save ran are later than the batch's.
      for (const [id, change] of batch) {
        const later = pending.get(id);
        pending.set(id, later === undefined ? change : combine(change, later));
      }
      if (outage) outage.failedSaves += 1;
      else {
        outage = { sinceMs: options.clock.now(), failedSaves: 1 };
        options.onOutage?.(error);
      }
      return;
    }
    if (outage) {
      options.onRecovery?.({ downMs: options.clock.now() - outage.sinceMs, failedSaves: outage.failedSaves });
      outage = undefined;
    }
  }

  async function save(): Promise<void> {
    while (saving) await saving;
    saving = saveOnce().finally(() => {
      saving = undefined;
    });
    await saving;
  }

  const timer = setInterval(() => void save(), options.intervalMs ?? 1000);
  timer.unref();
  return {
    save,
    async close() {
      clearInterval(timer);
      await save();
    },
  };
}
