import { describe, expect, it } from 'vitest';
import type { Outcome } from './classify-outcome.js';
import { freshKeyState, type KeyState } from './key-state.js';
import {
  availableFrom,
  nextKeyState,
  preconditionBaseMs,
  preconditionCapMs,
  troubleRestMs,
  unknownRateLimitBaseMs,
  unknownRateLimitCapMs,
} from './next-key-state.js';

const now = 1_000_000;
const context = { nowMs: now, random: 0, softFailureLimit: 3 };
const error = { status: 429, type: 'quota-minute', message: 'quota' };

function apply(state: KeyState, ...outcomes: Outcome[]): KeyState {
  return outcomes.reduce(
    (current, outcome) => nextKeyState(current, 'm', outcome, { ...context, error }),
    state,
  );
}

describe('nextKeyState', () => {
  it('leaves a clean key untouched on success (no allocation on the hot path)', () => {
    expect(nextKeyState(freshKeyState, 'm', { kind: 'ok', retry: false }, context)).toBe(freshKeyState);
  });

  it('disables a dead key for every model, with reason, time and last error', () => {
    const state = apply(freshKeyState, { kind: 'key-dead', reason: 'suspended', retry: true });
    expect(state.disabled).toEqual({ reason: 'suspended', atMs: now });
    expect(state.lastError).toEqual({ ...error, atMs: now });
    expect(availableFrom(state, 'other')).toBeUndefined();
  });

  it('rests a key for a per-minute quota for retryDelay plus jitter, for that model only', () => {
    const state = apply(freshKeyState, { kind: 'cool', reason: 'minute', retryAfterMs: 26_000, retry: true });
    expect(state.models.m).toMatchObject({ coolUntilMs: now + 26_000, coolReason: 'minute' });
    expect(availableFrom(state, 'other')).toBe(0);
    const jittered = nextKeyState(
      freshKeyState,
      'm',
      { kind: 'cool', reason: 'minute', retryAfterMs: 26_000, retry: true },
      {
        ...context,
        random: 0.5,
      },
    );
    expect(jittered.models.m?.coolUntilMs).toBe(now + 26_000 + 1_300);
  });

  it('rests a key that failed a precondition for that model only, doubling from 5 minutes to 6 hours', () => {
    const precondition: Outcome = { kind: 'cool', reason: 'precondition', retry: true };
    const once = apply(freshKeyState, precondition);
    expect(once.disabled).toBeUndefined();
    expect(once.models.m).toMatchObject({
      coolUntilMs: now + preconditionBaseMs,
      coolReason: 'precondition',
      preconditionStreak: 1,
    });
    expect(availableFrom(once, 'other')).toBe(0);
    expect(apply(once, precondition).models.m?.coolUntilMs).toBe(now + 2 * preconditionBaseMs);
    const many = apply(freshKeyState, ...Array<Outcome>(12).fill(precondition));
    expect(many.models.m?.coolUntilMs).toBe(now + preconditionCapMs);
  });

  it('keeps a running rest when a success arrives late from a call that left before the 429', () => {
    const resting = apply(freshKeyState, {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 10_000,
      retry: true,
    });
    expect(nextKeyState(resting, 'm', { kind: 'ok', retry: false }, context)).toBe(resting);
    const later = { ...context, nowMs: now + 10_001 };
    expect(nextKeyState(resting, 'm', { kind: 'ok', retry: false }, later).models).toEqual({});
  });

  it('parks a key until the per-day quota resets', () => {
    const state = apply(freshKeyState, {
      kind: 'cool',
      reason: 'day',
      untilMs: now + 5_000_000,
      retry: true,
    });
    expect(state.models.m).toMatchObject({ coolUntilMs: now + 5_000_000, coolReason: 'day' });
  });

  it('doubles the rest for repeated 429s without details, up to a cap, and a success resets it', () => {
    const unknown: Outcome = { kind: 'cool', reason: 'unknown', retry: true };
    const rests = [1, 2, 3, 10].map((count) => {
      const state = apply(freshKeyState, ...Array.from({ length: count }, () => unknown));
      return (state.models.m?.coolUntilMs ?? 0) - now;
    });
    expect(rests).toEqual([
      unknownRateLimitBaseMs,
      unknownRateLimitBaseMs * 2,
      unknownRateLimitBaseMs * 4,
      unknownRateLimitCapMs,
    ]);
    const rested = apply(freshKeyState, unknown);
    const afterRest = { ...context, nowMs: now + unknownRateLimitBaseMs + 1 };
    expect(nextKeyState(rested, 'm', { kind: 'ok', retry: false }, afterRest).models).toEqual({});
  });

  it('counts Google’s own failures, rests the key briefly only after several in a row', () => {
    const trouble: Outcome = { kind: 'upstream-trouble', cause: 'server', retry: true };
    const twice = apply(freshKeyState, trouble, trouble);
    expect(twice.models.m).toMatchObject({ softFailures: 2 });
    expect(twice.models.m?.coolUntilMs).toBeUndefined();
    expect(twice.disabled).toBeUndefined();
    const thrice = apply(twice, trouble);
    expect(thrice.models.m).toMatchObject({
      coolUntilMs: now + troubleRestMs,
      coolReason: 'trouble',
      softFailures: 0,
    });
    expect(apply(twice, { kind: 'ok', retry: false }, trouble).models.m?.softFailures).toBe(1);
  });

  it('never switches a key off for its proxy’s failures, and rests it no longer than for Google’s trouble', () => {
    const proxy: Outcome = { kind: 'upstream-trouble', cause: 'proxy', retry: true };
    const proxyError = { status: null, type: 'proxy', message: 'The outbound proxy http://p:1 failed: x.' };
    let state = freshKeyState;
    for (let failure = 0; failure < 20; failure += 1)
      state = nextKeyState(state, 'm', proxy, { ...context, error: proxyError });
    expect(state.disabled).toBeUndefined();
    expect(state.models.m?.coolUntilMs ?? now).toBeLessThanOrEqual(now + troubleRestMs);
    expect(state.lastError).toMatchObject({ type: 'proxy', message: proxyError.message });
  });

  it('ignores the client’s own errors', () => {
    const state = apply(freshKeyState, { kind: 'upstream-trouble', cause: 'timeout', retry: true });
    expect(nextKeyState(state, 'm', { kind: 'client-error', retry: false }, context)).toBe(state);
  });
});
