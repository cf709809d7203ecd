import type { Clock } from '../core/clock.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';

export interface PinCleanupOptions {
  readonly pins: PinnedResourceStore;
  readonly clock: Clock;
  /** FILES_CLEANUP_ENABLED and FILES_CLEANUP_INTERVAL_HOURS, read at each run (they apply live). */
  readonly settings: () => {
    readonly FILES_CLEANUP_ENABLED: boolean;
    readonly FILES_CLEANUP_INTERVAL_HOURS: number;
  };
  readonly onRun: (report: { readonly removed: number } | { readonly error: unknown }) => void;
}

// How often the timer looks at the settings; a run happens once the interval since the last passed.
const tickMs = 60_000;

/**
 * Forgets the records of files and caches Google has deleted (they expire: a file after 48 hours),
 * every FILES_CLEANUP_INTERVAL_HOURS while FILES_CLEANUP_ENABLED. An expired record is never used
 * meanwhile (lookups skip it); this only keeps the table small.
 */
export function createPinCleanup(options: PinCleanupOptions): { close(): Promise<void> } {
  let lastRunMs = options.clock.now();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    const settings = options.settings();
    const nowMs = options.clock.now();
    if (!settings.FILES_CLEANUP_ENABLED || running) return;
    if (nowMs - lastRunMs < settings.FILES_CLEANUP_INTERVAL_HOURS * 3_600_000) return;
    lastRunMs = nowMs;
    running = options.pins
      .removeExpired(nowMs)
      .then(
        (removed) => options.onRun({ removed }),
        (error: unknown) => options.onRun({ error }),
      )
      .finally(() => {
        running = undefined;
      });
  }, tickMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
