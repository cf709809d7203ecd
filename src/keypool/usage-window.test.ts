import { describe, expect, it } from 'vitest';
import { nextPacificMidnight } from './next-pacific-midnight.js';
import { countRequest, createUsage, limitedUntil } from './usage-window.js';

const start = Date.UTC(2026, 10, 28, 18, 0, 30);

describe('usage windows', () => {
  it('counts per minute and per Pacific day, and rolls both over', () => {
    const usage = createUsage(start);
    countRequest(usage, start);
    countRequest(usage, start + 10_000);
    expect(usage).toMatchObject({ minuteCount: 2, dayCount: 2 });
    countRequest(usage, start + 40_000);
    expect(usage).toMatchObject({ minuteCount: 1, dayCount: 3 });
    const nextDay = nextPacificMidnight(start) + 1;
    countRequest(usage, nextDay);
    expect(usage).toMatchObject({ minuteCount: 1, dayCount: 1, dayEndMs: nextPacificMidnight(nextDay) });
  });

  it('says until when a limit holds a key back', () => {
    const usage = createUsage(start);
    expect(limitedUntil(usage, { rpm: 1, rpd: 2 }, start)).toBeUndefined();
    countRequest(usage, start);
    expect(limitedUntil(usage, { rpm: 1, rpd: 2 }, start)).toBe(Date.UTC(2026, 10, 28, 18, 1, 0));
    countRequest(usage, start + 60_000);
    expect(limitedUntil(usage, { rpm: 1, rpd: 2 }, start + 60_000)).toBe(nextPacificMidnight(start));
    expect(limitedUntil(usage, {}, start + 60_000)).toBeUndefined();
  });
});
