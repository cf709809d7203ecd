import { nextPacificMidnight } from './next-pacific-midnight.js';

/** An operator's own ceiling for one key and model, below Google's, to avoid 429s before they happen. */
export interface RateLimit {
  readonly rpm?: number;
  readonly rpd?: number;
}

/**
 * Requests one key sent for one model in the current minute and the current Pacific day (the day
 * Google's daily quotas count). Mutable: it changes on every request, so it is updated in place.
 */
export interface Usage {
  minuteStartMs: number;
  minuteCount: number;
  /** When the current Pacific day ends. */
  dayEndMs: number;
  dayCount: number;
}

export function createUsage(nowMs: number): Usage {
  return {
    minuteStartMs: nowMs - (nowMs % 60_000),
    minuteCount: 0,
    dayEndMs: nextPacificMidnight(nowMs),
    dayCount: 0,
  };
}

function roll(usage: Usage, nowMs: number): void {
  const minuteStartMs = nowMs - (nowMs % 60_000);
  if (minuteStartMs !== usage.minuteStartMs) {
    usage.minuteStartMs = minuteStartMs;
    usage.minuteCount = 0;
  }
  if (nowMs >= usage.dayEndMs) {
    usage.dayEndMs = nextPacificMidnight(nowMs);
    usage.dayCount = 0;
  }
}

export function countRequest(usage: Usage, nowMs: number): void {
  roll(usage, nowMs);
  usage.minuteCount += 1;
  usage.dayCount += 1;
}

/** Until when the operator's limit holds the key back; undefined when it has headroom. */
export function limitedUntil(usage: Usage, limit: RateLimit, nowMs: number): number | undefined {
  roll(usage, nowMs);
  if (limit.rpd !== undefined && usage.dayCount >= limit.rpd) return usage.dayEndMs;
  if (limit.rpm !== undefined && usage.minuteCount >= limit.rpm) return usage.minuteStartMs + 60_000;
  return undefined;
}
