import { describe, expect, it } from 'vitest';
import { type KeyEvent, keyEventsBetween, mergeKeyEvent } from './key-event.js';
import type { KeyState } from './key-state.js';

const clean = { rateLimitStreak: 0, softFailures: 0 };
const restingUntil = (untilMs: number, cooledAtMs: number) => ({
  ...clean,
  coolUntilMs: untilMs,
  coolReason: 'minute' as const,
  cooledAtMs,
});
const fresh: KeyState = { models: {} };
const refused: KeyState = { models: {}, disabled: { reason: 'invalid', atMs: 100 } };
const switchedOff: KeyState = { models: {}, disabled: { reason: 'operator', atMs: 100 } };
const enabledAt = (atMs: number): KeyState => ({ models: {}, enabledAtMs: atMs });
const rested = (untilMs: number, cooledAtMs: number): KeyState => ({
  models: { flash: restingUntil(untilMs, cooledAtMs) },
});

describe('mergeKeyEvent', () => {
  const cases: readonly [string, KeyState, KeyEvent, KeyState][] = [
    [
      'a rest is taken',
      fresh,
      { type: 'cooled', id: 'k', model: 'flash', untilMs: 500, reason: 'minute', atMs: 200 },
      rested(500, 200),
    ],
    [
      'a later rest wins',
      rested(400, 100),
      { type: 'cooled', id: 'k', model: 'flash', untilMs: 500, reason: 'minute', atMs: 200 },
      rested(500, 200),
    ],
    [
      'an earlier rest loses',
      rested(600, 100),
      { type: 'cooled', id: 'k', model: 'flash', untilMs: 500, reason: 'minute', atMs: 200 },
      rested(600, 100),
    ],
    [
      'a rest for another model leaves this one alone',
      rested(600, 100),
      { type: 'cooled', id: 'k', model: 'pro', untilMs: 900, reason: 'day', atMs: 200 },
      {
        models: {
          flash: restingUntil(600, 100),
          pro: { ...clean, coolUntilMs: 900, coolReason: 'day', cooledAtMs: 200 },
        },
      },
    ],
    [
      'a refusal switches off a fresh key',
      fresh,
      { type: 'disabled', id: 'k', reason: 'invalid', atMs: 100 },
      refused,
    ],
    [
      'a switch-off older than the last switch-on loses',
      enabledAt(150),
      { type: 'disabled', id: 'k', reason: 'operator', atMs: 100 },
      enabledAt(150),
    ],
    [
      'a newer switch-off wins over a switch-on',
      enabledAt(150),
      { type: 'disabled', id: 'k', reason: 'operator', atMs: 200 },
      { models: {}, disabled: { reason: 'operator', atMs: 200 } },
    ],
    [
      'on a tie, switched off wins',
      enabledAt(100),
      { type: 'disabled', id: 'k', reason: 'operator', atMs: 100 },
      switchedOff,
    ],
    [
      'a switch-on newer than the refusal wins',
      refused,
      { type: 'enabled', id: 'k', atMs: 150 },
      enabledAt(150),
    ],
    ['a switch-on older than the refusal loses', refused, { type: 'enabled', id: 'k', atMs: 50 }, refused],
    [
      'a switch-on at the same time as the switch-off loses',
      refused,
      { type: 'enabled', id: 'k', atMs: 100 },
      refused,
    ],
    [
      'a clear removes a rest that began before it',
      rested(600, 100),
      { type: 'rest-cleared', id: 'k', model: 'flash', atMs: 150 },
      fresh,
    ],
    [
      'a clear leaves a rest that began after it',
      rested(600, 200),
      { type: 'rest-cleared', id: 'k', model: 'flash', atMs: 150 },
      rested(600, 200),
    ],
    [
      'a clear of every model',
      { models: { flash: restingUntil(600, 100), pro: restingUntil(700, 300) } },
      { type: 'rest-cleared', id: 'k', atMs: 150 },
      { models: { pro: restingUntil(700, 300) } },
    ],
    [
      'a clear of another model leaves this one',
      rested(600, 100),
      { type: 'rest-cleared', id: 'k', model: 'pro', atMs: 150 },
      rested(600, 100),
    ],
  ];
  it.each(cases)('%s', (_name, state, event, expected) => {
    expect(mergeKeyEvent(state, event)).toEqual(expected);
  });

  it.each(cases)('is idempotent: %s', (_name, state, event) => {
    const once = mergeKeyEvent(state, event);
    expect(mergeKeyEvent(once, event)).toBe(once);
  });

  it('keeps the state object when the fact changes nothing, so the pool saves nothing', () => {
    expect(mergeKeyEvent(refused, { type: 'enabled', id: 'k', atMs: 50 })).toBe(refused);
    expect(mergeKeyEvent(fresh, { type: 'rest-cleared', id: 'k', atMs: 50 })).toBe(fresh);
  });

  it('keeps the streaks the instance counted itself when another rest is merged', () => {
    const state: KeyState = { models: { flash: { rateLimitStreak: 3, softFailures: 1 } } };
    const merged = mergeKeyEvent(state, {
      type: 'cooled',
      id: 'k',
      model: 'flash',
      untilMs: 500,
      reason: 'unknown',
      atMs: 200,
    });
    expect(merged.models.flash).toMatchObject({ rateLimitStreak: 3, softFailures: 1, coolUntilMs: 500 });
  });
});

describe('keyEventsBetween', () => {
  it('names a refusal with its error, and a switch-on with its time', () => {
    const error = { atMs: 100, status: 400, type: 'API_KEY_INVALID', message: 'API key not valid.' };
    expect(keyEventsBetween('k', fresh, { ...refused, lastError: error }, 100)).toEqual([
      { type: 'disabled', id: 'k', reason: 'invalid', atMs: 100, error },
    ]);
    expect(keyEventsBetween('k', refused, enabledAt(150), 160)).toEqual([
      { type: 'enabled', id: 'k', atMs: 150 },
    ]);
  });

  it('names a new rest, and a rest still running that was cleared', () => {
    expect(keyEventsBetween('k', fresh, rested(500, 200), 200)).toEqual([
      { type: 'cooled', id: 'k', model: 'flash', untilMs: 500, reason: 'minute', atMs: 200 },
    ]);
    expect(keyEventsBetween('k', rested(500, 200), fresh, 300)).toEqual([
      { type: 'rest-cleared', id: 'k', model: 'flash', atMs: 300 },
    ]);
  });

  it('names nothing for a rest that ended by itself and was forgotten, or for a failure that rests no key', () => {
    expect(keyEventsBetween('k', rested(500, 200), fresh, 600)).toEqual([]);
    const counted: KeyState = { models: { flash: { rateLimitStreak: 0, softFailures: 1 } } };
    expect(keyEventsBetween('k', fresh, counted, 100)).toEqual([]);
    expect(keyEventsBetween('k', counted, counted, 100)).toEqual([]);
  });

  it('round-trips: merging the facts of a change into the old state gives the new standing', () => {
    const before = rested(500, 200);
    const after: KeyState = {
      models: { flash: restingUntil(500, 200), pro: restingUntil(900, 300) },
      disabled: { reason: 'operator', atMs: 300 },
    };
    const merged = keyEventsBetween('k', before, after, 300).reduce(mergeKeyEvent, before);
    expect(merged).toEqual(after);
  });
});
