import { describe, expect, it } from 'vitest';
import { parseDuration, parseTimestamp } from './fake-cached-contents.js';

describe('parseDuration', () => {
  it.each([
    ['600s', 600_000],
    ['1.5s', 1500],
    ['0.000000001s', 0],
    ['10m', undefined],
    ['600', undefined],
    ['-1s', undefined],
    [600, undefined],
  ])('%s → %s', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2030-01-02T03:04:05Z', Date.UTC(2030, 0, 2, 3, 4, 5)],
    ['2030-01-02T03:04:05.123456789Z', Date.UTC(2030, 0, 2, 3, 4, 5, 123)],
    ['2030-01-02T05:04:05+02:00', Date.UTC(2030, 0, 2, 3, 4, 5)],
    ['2030-01-02', undefined],
    ['tomorrow', undefined],
  ])('%s → %s', (value, ms) => {
    expect(parseTimestamp(value)).toBe(ms);
  });
});
