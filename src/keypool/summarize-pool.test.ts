import { describe, expect, it } from 'vitest';
import type { KeyRow } from './key-pool.js';
import type { KeyState } from './key-state.js';
import { summarizePool } from './summarize-pool.js';

const now = 1_000_000;
const row = (id: string, state: KeyState): KeyRow => ({
  key: { id, masked: `…${id}` },
  source: 'settings',
  state,
  requests: 0,
  failures: 0,
  usage: new Map(),
});

describe('summarizePool', () => {
  it('counts keys per state, rests per model and reason, and switched-off keys per reason', () => {
    const summary = summarizePool(
      [
        row('a', { models: {} }),
        row('b', {
          models: {
            'gemini-2.5-pro': {
              coolUntilMs: now + 60_000,
              coolReason: 'minute',
              rateLimitStreak: 1,
              softFailures: 0,
            },
            'gemini-2.5-flash': {
              coolUntilMs: now + 5_000,
              coolReason: 'day',
              rateLimitStreak: 1,
              softFailures: 0,
            },
          },
        }),
        row('c', {
          models: {
            'gemini-2.5-pro': {
              coolUntilMs: now + 30_000,
              coolReason: 'day',
              rateLimitStreak: 1,
              softFailures: 0,
            },
          },
        }),
        // A rest that ended is no rest.
        row('d', {
          models: {
            'gemini-2.5-pro': { coolUntilMs: now, coolReason: 'minute', rateLimitStreak: 0, softFailures: 0 },
          },
        }),
        row('e', { disabled: { reason: 'operator', atMs: 1 }, models: {} }),
        // A switched-off key's rests are not counted: it is not coming back when they end.
        row('f', {
          disabled: { reason: 'invalid', atMs: 1 },
          models: {
            'gemini-2.5-pro': {
              coolUntilMs: now + 1,
              coolReason: 'minute',
              rateLimitStreak: 0,
              softFailures: 0,
            },
          },
        }),
      ],
      now,
    );
    expect(summary.counts).toEqual({ total: 6, active: 2, resting: 2, disabled: 1, refused: 1 });
    expect(summary.resting).toEqual([
      { model: 'gemini-2.5-pro', keys: 2, reasons: { minute: 1, day: 1 }, nextBackAtMs: now + 30_000 },
      { model: 'gemini-2.5-flash', keys: 1, reasons: { day: 1 }, nextBackAtMs: now + 5_000 },
    ]);
    expect(summary.switchedOff).toEqual({ operator: 1, invalid: 1 });
  });

  it('summarizes an empty pool', () => {
    expect(summarizePool([], now)).toEqual({
      counts: { total: 0, active: 0, resting: 0, disabled: 0, refused: 0 },
      resting: [],
      switchedOff: {},
    });
  });
});
