import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../core/key-identity.js';
import { ok } from './classify-outcome.js';
import { KeyIdCollisionError } from './find-key-id-collisions.js';
import type { KeyEvent } from './key-event.js';
import {
  createKeyPool,
  type KeyPool,
  type KeyPoolOptions,
  maxModelsTracked,
  type Selection,
} from './key-pool.js';

const start = Date.UTC(2026, 10, 28, 18, 0, 0);

function setup(secrets: string[], extra: Partial<KeyPoolOptions> = {}) {
  const clock = {
    nowMs: start,
    now() {
      return this.nowMs;
    },
  };
  const pool = createKeyPool(secrets, { clock, random: () => 0, softFailureLimit: 3, ...extra });
  return { pool, clock };
}

const id = (secret: string) => createKeyIdentity(secret).id;
const picked = (selection: Selection) => (selection.kind === 'key' ? selection.key.secret : selection);
/** Selects `count` times, each request completing successfully before the next. */
const picks = (pool: KeyPool, model: string, count: number) =>
  Array.from({ length: count }, () => {
    const selection = pool.select(model);
    if (selection.kind === 'key') pool.report(selection.key, model, ok);
    return picked(selection);
  });
function keyOf(pool: KeyPool, secret: string) {
  const key = pool.find(id(secret));
  if (!key) throw new Error(`no key ${secret}`);
  return key;
}

describe('createKeyPool', () => {
  it('keeps usage for a bounded number of models per key, whatever names clients make up', () => {
    const { pool } = setup(['a', 'b']);
    for (let index = 0; index < maxModelsTracked * 4; index++) picks(pool, `made-up-${index}`, 2);
    for (const view of pool.list())
      expect(Object.keys(view.usage.models).length).toBeLessThanOrEqual(maxModelsTracked);
    // The newest names are the ones kept, and rotation still works.
    expect(Object.keys(pool.list()[0]?.usage.models ?? {})).toContain(`made-up-${maxModelsTracked * 4 - 1}`);
    expect(picks(pool, 'm', 2)).toEqual(['a', 'b']);
  });

  it('rotates round-robin, with one cursor per model', () => {
    const { pool } = setup(['a', 'b', 'c']);
    expect(picks(pool, 'm1', 4)).toEqual(['a', 'b', 'c', 'a']);
    expect(picks(pool, 'm2', 2)).toEqual(['a', 'b']);
    expect(picks(pool, 'm1', 1)).toEqual(['b']);
  });

  it('puts a key of unknown standing on trial: one request at a time until it succeeds', async () => {
    const { pool } = setup(['a', 'b']);
    const first = pool.select('m');
    const second = pool.select('m');
    expect([picked(first), picked(second)]).toEqual(['a', 'b']);
    // Both keys are answering their first request: a third waits rather than pile on.
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'busy' });
    expect(picked(pool.select('m', { allowBusy: true }))).toBe('a');
    const settled = pool.whenSettled();
    if (second.kind === 'key') pool.report(second.key, 'm', ok);
    await settled;
    // b proved itself: it may now serve any number of requests at once.
    expect(picks(pool, 'm', 1)).toEqual(['b']);
    expect([picked(pool.select('m')), picked(pool.select('m'))]).toEqual(['b', 'b']);
  });

  it('puts a key back from its rest on trial, and releases an attempt that ended without outcome', () => {
    const { pool, clock } = setup(['a']);
    picks(pool, 'm', 1);
    pool.report(keyOf(pool, 'a'), 'm', { kind: 'cool', reason: 'minute', retryAfterMs: 1_000, retry: true });
    clock.nowMs += 1_000;
    const attempt = pool.select('m');
    expect(picked(attempt)).toBe('a');
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'busy' });
    if (attempt.kind === 'key') pool.release(attempt.key, 'm');
    expect(picked(pool.select('m'))).toBe('a');
  });

  it('drops duplicate keys and skips excluded ones', () => {
    const { pool } = setup(['a', 'b', 'a']);
    expect(pool.size).toBe(2);
    expect(picked(pool.select('m', { exclude: new Set([id('a')]) }))).toBe('b');
    expect(pool.select('m', { exclude: new Set([id('a'), id('b')]) })).toMatchObject({
      kind: 'none',
      reason: 'tried',
    });
  });

  it('rests a key for one model only, and brings it back when the rest is over', () => {
    const { pool, clock } = setup(['a', 'b']);
    pool.report(keyOf(pool, 'a'), 'pro', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 26_000,
      retry: true,
    });
    expect(picks(pool, 'pro', 3)).toEqual(['b', 'b', 'b']);
    expect(picks(pool, 'flash', 2)).toEqual(['a', 'b']);
    clock.nowMs += 26_000;
    // Back, but served after the keys that never failed while fresh from its rest.
    expect(picks(pool, 'pro', 2)).toEqual(['b', 'b']);
    clock.nowMs += 60_000;
    expect(picks(pool, 'pro', 2).sort()).toEqual(['a', 'b']);
  });

  it('answers none with the earliest moment a key is back', () => {
    const { pool } = setup(['a', 'b']);
    pool.report(keyOf(pool, 'a'), 'pro', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 30_000,
      retry: true,
    });
    pool.report(keyOf(pool, 'b'), 'pro', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 10_000,
      retry: true,
    });
    expect(pool.select('pro')).toEqual({ kind: 'none', reason: 'resting', retryAtMs: start + 10_000 });
  });

  it('answers none without a time when every key is disabled, unless a probe is scheduled', () => {
    const { pool } = setup(['a']);
    pool.report(keyOf(pool, 'a'), 'm', { kind: 'key-dead', reason: 'invalid', retry: true });
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'disabled' });
    pool.setNextProbe(start + 3_600_000);
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'disabled', retryAtMs: start + 3_600_000 });
    expect(setup([]).pool.select('m')).toEqual({ kind: 'none', reason: 'empty' });
  });

  it('pins a request to one key, whatever the rotation', () => {
    const { pool } = setup(['a', 'b', 'c']);
    expect(picks(pool, 'm', 1)).toEqual(['a']);
    expect(picked(pool.select('m', { pinKeyId: id('a') }))).toBe('a');
    pool.report(keyOf(pool, 'a'), 'm', { kind: 'cool', reason: 'minute', retryAfterMs: 5_000, retry: true });
    expect(pool.select('m', { pinKeyId: id('a') })).toEqual({
      kind: 'none',
      reason: 'resting',
      retryAtMs: start + 5_000,
    });
    expect(pool.select('m', { pinKeyId: 'nope' })).toEqual({ kind: 'none', reason: 'unknown-pin' });
  });

  it('keeps a key within the operator’s per-minute and per-day limits', () => {
    const { pool, clock } = setup(['a', 'b'], { rateLimits: { pro: { rpm: 2 }, '*': { rpd: 3 } } });
    expect(picks(pool, 'pro', 4)).toEqual(['a', 'b', 'a', 'b']);
    expect(pool.select('pro')).toEqual({ kind: 'none', reason: 'resting', retryAtMs: start + 60_000 });
    clock.nowMs += 60_000;
    expect(picks(pool, 'pro', 1)).toEqual(['a']);
    expect(picks(pool, 'flash', 7)).toEqual([
      'a',
      'b',
      'a',
      'b',
      'a',
      'b',
      expect.objectContaining({ kind: 'none' }),
    ]);
  });

  it('never counts the client’s errors or a success against a key', () => {
    const { pool } = setup(['a']);
    const key = keyOf(pool, 'a');
    pool.report(key, 'm', { kind: 'client-error', retry: false });
    pool.report(key, 'm', ok);
    expect(pool.stateOf(key.id)).toEqual({ models: {} });
    expect(pool.list()[0]?.usage.failures).toBe(0);
  });

  it('lets operators disable, enable and clear rests, and probes skip what operators disabled', () => {
    const { pool } = setup(['a', 'b']);
    pool.report(keyOf(pool, 'a'), 'm', { kind: 'key-dead', reason: 'suspended', retry: true });
    pool.disable([id('b')]);
    expect(pool.refusedKeys().map((key) => key.secret)).toEqual(['a']);
    expect(pool.usableCount()).toBe(0);
    pool.enable([id('a'), id('b')]);
    expect(pool.usableCount()).toBe(2);
    pool.report(keyOf(pool, 'a'), 'm', {
      kind: 'cool',
      reason: 'day',
      untilMs: start + 1_000_000,
      retry: true,
    });
    expect(pool.clearRest([id('a')], 'm')).toEqual([id('a')]);
    expect(pool.stateOf(id('a'))?.models).toEqual({});
  });

  it('adds and removes keys at run time, keeping the state of those that stay', () => {
    const { pool } = setup(['a', 'b']);
    pool.report(keyOf(pool, 'a'), 'm', { kind: 'key-dead', reason: 'invalid', retry: true });
    pool.takeChanged();
    expect(pool.add(['c', 'a'], 'runtime')).toEqual({ added: [id('c')], present: [id('a')] });
    expect(pool.remove([id('b'), 'unknown'])).toEqual([id('b')]);
    expect(pool.list().map((view) => [view.masked, view.source, view.state.disabled?.reason])).toEqual([
      ['…', 'settings', 'invalid'],
      ['…', 'runtime', undefined],
    ]);
    expect([...pool.takeChanged().entries()].map(([key, value]) => [key, value === null])).toEqual([
      [id('c'), false],
      [id('b'), true],
    ]);
  });

  it('refuses a key whose id is a different key’s, adding none of its list, rather than merge them', () => {
    // Ids of one hex character: keys 'a1' and 'a2' share the id 'a', as 64-bit ids never should.
    const identify = (secret: string) => ({ id: secret.slice(0, 1), masked: '…' });
    expect(() => setup(['a1', 'b1', 'a2'], { identify })).toThrow(
      new KeyIdCollisionError([{ id: 'a', index: 2, earlierIndex: 0 }]),
    );
    const { pool } = setup(['a1', 'b1'], { identify });
    pool.takeChanged();
    expect(() => pool.add(['c1', 'b2'], 'runtime')).toThrow(KeyIdCollisionError);
    expect(() => pool.plan(['c1', 'b2'])).toThrow(/key 2 of the list is a different key with the id b/);
    expect(pool.list().map((view) => view.id)).toEqual(['a', 'b']);
    expect(pool.takeChanged().size).toBe(0);
    expect(pool.find('b')?.secret).toBe('b1');
    expect(pool.plan(['c1', 'b1', 'c1'])).toEqual({
      fresh: [{ id: 'c', masked: '…', secret: 'c1' }],
      present: ['b', 'c'],
    });
    expect(pool.add(['c1', 'b1'], 'runtime')).toEqual({ added: ['c'], present: ['b'] });
  });

  it('restores persisted state', () => {
    const { pool } = setup(['a']);
    pool.restore(id('a'), {
      state: { disabled: { reason: 'invalid', atMs: 1 }, models: {} },
      requests: 7,
      failures: 2,
    });
    expect(pool.select('m')).toMatchObject({ kind: 'none', reason: 'disabled' });
    expect(pool.list()[0]?.usage).toMatchObject({ requests: 7, failures: 2 });
  });
});

describe('createKeyPool across instances (onEvents → merge)', () => {
  /** Two pools over the same keys, each with its own clock: what A learns is merged into B by hand. */
  function pair(secrets: string[]) {
    const events: KeyEvent[] = [];
    const a = setup(secrets, { onEvents: (made) => events.push(...made) });
    const echoed: KeyEvent[] = [];
    const b = setup(secrets, { onEvents: (made) => echoed.push(...made) });
    b.pool.takeChanged();
    /** Merges what A told since the last call into B. */
    const sync = () => b.pool.merge(events.splice(0));
    return { a, b, events, echoed, sync };
  }

  it('skips in B a key Google refused through A', () => {
    const { a, b, sync, echoed } = pair(['a', 'b']);
    a.pool.learn(keyOf(a.pool, 'a'), 'm', { kind: 'key-dead', reason: 'invalid', retry: true });
    expect(sync()).toBe(1);
    expect(b.pool.stateOf(id('a'))?.disabled).toEqual({ reason: 'invalid', atMs: start });
    // Merged facts are saved by B too, and not told again: no echo between instances.
    expect([...b.pool.takeChanged().keys()]).toEqual([id('a')]);
    expect(echoed).toEqual([]);
    expect(picks(b.pool, 'm', 3)).toEqual(['b', 'b', 'b']);
    expect(b.pool.usableCount()).toBe(1);
  });

  it('rests in B, until the same moment, a key A got a per-minute 429 for', () => {
    const { a, b, sync } = pair(['a']);
    a.clock.nowMs += 5_000;
    a.pool.learn(keyOf(a.pool, 'a'), 'm', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 30_000,
      retry: true,
    });
    const coolUntilMs = a.pool.stateOf(id('a'))?.models.m?.coolUntilMs;
    expect(coolUntilMs).toBe(start + 35_000);
    expect(sync()).toBe(1);
    expect(b.pool.select('m')).toEqual({ kind: 'none', reason: 'resting', retryAtMs: coolUntilMs });
    // Only for that model.
    expect(picks(b.pool, 'other', 1)).toEqual(['a']);
    b.clock.nowMs = start + 35_000;
    expect(picks(b.pool, 'm', 1)).toEqual(['a']);
  });

  it('ends B where A ends when A switches a key off and on within one millisecond', () => {
    const { a, b, sync } = pair(['a']);
    a.pool.disable([id('a')]);
    a.pool.enable([id('a')]);
    expect(a.pool.stateOf(id('a'))?.disabled).toBeUndefined();
    expect(sync()).toBe(2);
    expect(b.pool.stateOf(id('a'))?.disabled).toBeUndefined();
    expect(picks(b.pool, 'm', 1)).toEqual(['a']);
  });

  it('carries an operator’s disable, enable and clearing of a rest from A to B', () => {
    const { a, b, sync } = pair(['a', 'b']);
    a.pool.disable([id('a')]);
    expect(sync()).toBe(1);
    expect(b.pool.stateOf(id('a'))?.disabled?.reason).toBe('operator');
    expect(picks(b.pool, 'm', 2)).toEqual(['b', 'b']);

    a.clock.nowMs += 1_000;
    a.pool.enable([id('a')]);
    expect(sync()).toBe(1);
    expect(b.pool.stateOf(id('a'))?.disabled).toBeUndefined();
    expect(b.pool.usableCount()).toBe(2);

    a.clock.nowMs += 1_000;
    a.pool.learn(keyOf(a.pool, 'a'), 'm', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 60_000,
      retry: true,
    });
    a.pool.learn(keyOf(a.pool, 'b'), 'm', {
      kind: 'cool',
      reason: 'minute',
      retryAfterMs: 60_000,
      retry: true,
    });
    expect(sync()).toBe(2);
    expect(b.pool.select('m')).toMatchObject({ kind: 'none', reason: 'resting' });

    a.clock.nowMs += 1_000;
    expect(a.pool.clearRest([id('a')], 'm')).toEqual([id('a')]);
    expect(sync()).toBe(1);
    expect(b.pool.stateOf(id('a'))?.models).toEqual({});
    expect(picks(b.pool, 'm', 1)).toEqual(['a']);

    // Clearing every model's rest of a key.
    a.clock.nowMs += 1_000;
    a.pool.clearRest([id('b')]);
    expect(sync()).toBe(1);
    expect(b.pool.stateOf(id('b'))?.models).toEqual({});
  });

  it('returns 0 and marks nothing changed for a fact that changes nothing, or names a key it does not have', () => {
    const { a, b, events } = pair(['a']);
    a.pool.learn(keyOf(a.pool, 'a'), 'm', { kind: 'key-dead', reason: 'suspended', retry: true });
    const told = [...events];
    expect(b.pool.merge(told)).toBe(1);
    b.pool.takeChanged();
    // The same fact again (a stream read again after a reconnection), and an older switch-on.
    expect(b.pool.merge(told)).toBe(0);
    expect(b.pool.merge([{ type: 'enabled', id: id('a'), atMs: start - 1 }])).toBe(0);
    expect(b.pool.takeChanged().size).toBe(0);
    const unknown: KeyEvent[] = [
      { type: 'disabled', id: 'not-a-key', reason: 'invalid', atMs: start },
      { type: 'cooled', id: 'not-a-key', model: 'm', untilMs: start + 1_000, reason: 'minute', atMs: start },
    ];
    expect(b.pool.merge(unknown)).toBe(0);
    expect(b.pool.takeChanged().size).toBe(0);
    expect(b.pool.list().map((view) => view.id)).toEqual([id('a')]);
  });
});
