/**
 * Failed sign-ins per client address: after `limit` failures within `windowMs` the address is
 * refused until the window that began with its first failure ends. A sign-in that succeeds clears
 * its address. At most `maxAddresses` are remembered, the oldest forgotten first, so a flood from
 * many addresses cannot grow memory without bound.
 */
export interface LoginThrottle {
  /** Milliseconds until the address may try again; 0 when it may now. */
  waitMs(address: string, nowMs: number): number;
  failed(address: string, nowMs: number): void;
  succeeded(address: string): void;
}

export interface LoginThrottleOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
}

export function createLoginThrottle({ limit, windowMs, maxAddresses }: LoginThrottleOptions): LoginThrottle {
  const failures = new Map<string, { startMs: number; count: number }>();
  const current = (address: string, nowMs: number) => {
    const entry = failures.get(address);
    if (entry && nowMs >= entry.startMs + windowMs) {
      failures.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    waitMs(address, nowMs) {
      const entry = current(address, nowMs);
      return entry && entry.count >= limit ? entry.startMs + windowMs - nowMs : 0;
    },
    failed(address, nowMs) {
      const entry = current(address, nowMs);
      if (entry) {
        entry.count++;
        return;
      }
      if (failures.size >= maxAddresses) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      failures.set(address, { startMs: nowMs, count: 1 });
    },
    succeeded(address) {
      failures.delete(address);
    },
  };
}
