import { describe, expect, it } from 'vitest';
import { nextPacificMidnight } from './next-pacific-midnight.js';

describe('nextPacificMidnight', () => {
  it.each([
    ['winter (PST, UTC-8)', Date.UTC(2026, 10, 28, 18, 0, 0), Date.UTC(2026, 10, 29, 8, 0, 0)],
    ['summer (PDT, UTC-7)', Date.UTC(2026, 6, 1, 12, 0, 0), Date.UTC(2026, 6, 2, 7, 0, 0)],
    ['just after midnight', Date.UTC(2026, 6, 1, 7, 0, 1), Date.UTC(2026, 6, 2, 7, 0, 0)],
    ['one second before midnight', Date.UTC(2026, 6, 2, 6, 59, 59), Date.UTC(2026, 6, 2, 7, 0, 0)],
    // 2026-03-08 01:00 PST; clocks jump to PDT at 02:00, so the next midnight is 07:00 UTC.
    ['before the spring-forward switch', Date.UTC(2026, 2, 8, 9, 0, 0), Date.UTC(2026, 2, 9, 7, 0, 0)],
    // 2026-11-01 00:30 PDT; clocks fall back to PST at 02:00, so the next midnight is 08:00 UTC.
    ['before the fall-back switch', Date.UTC(2026, 10, 1, 7, 30, 0), Date.UTC(2026, 10, 2, 8, 0, 0)],
  ])('%s', (_name, now, expected) => {
    expect(new Date(nextPacificMidnight(now)).toISOString()).toBe(new Date(expected).toISOString());
  });
});
