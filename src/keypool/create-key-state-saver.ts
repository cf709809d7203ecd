import type { Clock } from '../core/clock.js';
import type { KeyPool, PersistedKey } from './key-pool.js';
import type { KeyStore } from './key-store.js';

export interface KeyStateSaver {
  /** Saves what changed since the last save. */
  save(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Saves the pool's changed key states on a timer, off the request path: a request changes memory
 * only. A failed save keeps its changes for the next one.
 */
export function createKeyStateSaver(
  pool: KeyPool,
  store: KeyStore,
  options: { clock: Clock; intervalMs?: number; onError?: (error: unknown) => void },
): KeyStateSaver {
  let pending = new Map<string, PersistedKey | null>();
  let saving: Promise<void> | undefined;

  async function saveOnce(): Promise<void> {
    for (const [id, persisted] of pool.takeChanged()) pending.set(id, persisted);
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await store.saveStates(batch, options.clock.now());
    } catch (error) {
      for (const [id, persisted] of batch) if (!pending.has(id)) pending.set(id, persisted);
      options.onError?.(error);
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
