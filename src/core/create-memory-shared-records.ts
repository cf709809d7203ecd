import type { SharedRecords } from './shared-records.js';

/** The shared records of several instances in one process: the reference the Redis store is held to. */
export function createMemorySharedRecords(now: () => number = Date.now): SharedRecords {
  const records = new Map<string, { value: string; untilMs: number }>();
  return {
    put(name, value, ttlMs) {
      records.set(name, { value, untilMs: now() + ttlMs });
    },
    async get(name) {
      const record = records.get(name);
      if (!record || record.untilMs <= now()) return undefined;
      return record.value;
    },
  };
}
