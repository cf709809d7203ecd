import type { LeaseGrant, LeaseRequest, LeaseStore } from './rate-ledger.js';

/** The shared counters of createSharedRateLedger in one process: the reference the Redis store is held to. */
export function createMemoryLeaseStore(instances = 1): LeaseStore {
  const counts = new Map<string, number>();
  const left = (name: string, limit: number) => Math.max(0, limit - (counts.get(name) ?? 0));
  return {
    async lease(request: LeaseRequest): Promise<LeaseGrant> {
      const minute = request.minute && `${request.bucket} m ${request.minute.startMs}`;
      const day = request.day && `${request.bucket} d ${request.day.endMs}`;
      const spent = request.spent ?? 0;
      if (minute) counts.set(minute, (counts.get(minute) ?? 0) + spent);
      if (day) counts.set(day, (counts.get(day) ?? 0) + spent);
      let granted = request.want;
      if (minute && request.minute) granted = Math.min(granted, left(minute, request.minute.limit));
      if (day && request.day) granted = Math.min(granted, left(day, request.day.limit));
      if (minute) counts.set(minute, (counts.get(minute) ?? 0) + granted);
      if (day) counts.set(day, (counts.get(day) ?? 0) + granted);
      return {
        granted,
        minuteLeft: minute && request.minute ? left(minute, request.minute.limit) : null,
        dayLeft: day && request.day ? left(day, request.day.limit) : null,
      };
    },
    instances: () => instances,
  };
}
