import type { Cancellation } from '../core/cancellation.js';

/** Waits `ms`; resolves false as soon as the client goes away, true otherwise. */
export function sleep(ms: number, signal: Cancellation): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.once('abort', onAbort);
  });
}
