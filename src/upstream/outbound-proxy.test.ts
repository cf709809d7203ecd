import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../core/key-identity.js';
import { avoidRestingProxy, chooseProxyIndex } from './outbound-proxy.js';

const ids = Array.from({ length: 400 }, (_, index) => createKeyIdentity(`AIzaSyTestKey${index}`).id);
const never = () => {
  throw new Error('the choice by key must not draw at random');
};

describe('chooseProxyIndex', () => {
  it('gives a key the same proxy every time, from its id alone', () => {
    for (const id of ids) {
      const first = chooseProxyIndex(id, 3, true, never);
      for (let call = 0; call < 5; call += 1) expect(chooseProxyIndex(id, 3, true, never)).toBe(first);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(3);
    }
  });

  it('is stable across processes: fixed ids keep fixed proxies (FNV-1a)', () => {
    // Changing the hash moves every key to another proxy on upgrade: a deliberate decision, not an accident.
    // FNV-1a of "a" is 0xe40c292c, 3826002220 = 7 × 546571745 + 5.
    expect(
      ['0123456789abcdef', 'ffffffffffffffff', 'a'].map((id) => chooseProxyIndex(id, 7, true, never)),
    ).toEqual([6, 1, 5]);
  });

  it('spreads keys over the proxies', () => {
    const counts = [0, 0, 0, 0];
    for (const id of ids) {
      const index = chooseProxyIndex(id, 4, true, never);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });

  it('draws at random per call when not by key', () => {
    const draws = [0, 0.26, 0.5, 0.99, 0.999999];
    expect(draws.map((draw) => chooseProxyIndex(ids[0] as string, 4, false, () => draw))).toEqual([
      0, 1, 2, 3, 3,
    ]);
  });

  it('has one choice with one proxy', () => {
    expect(chooseProxyIndex(ids[0] as string, 1, true, never)).toBe(0);
    expect(chooseProxyIndex(ids[0] as string, 1, false, never)).toBe(0);
  });
});

describe('avoidRestingProxy', () => {
  /** Rests by index: a number is when that proxy's rest ends; undefined: it serves. */
  const resting = (ends: readonly (number | undefined)[]) => (index: number) => ends[index];

  it.each<[string, number, readonly (number | undefined)[], number]>([
    ['its own proxy serves', 1, [undefined, undefined, undefined], 1],
    ['its own rests: the next in order', 1, [undefined, 50, undefined], 2],
    ['its own and the next rest: the one after, wrapping', 1, [undefined, 50, 60], 0],
    ['the last rests: the first', 2, [undefined, undefined, 50], 0],
    ['all rest: the one back first', 0, [70, 90, 40], 2],
    ['all rest, a tie: its own', 1, [40, 40, 40], 1],
    ['one proxy resting: that one, never straight to Google', 0, [40], 0],
  ])('by key: %s', (_name, index, ends, chosen) => {
    expect(avoidRestingProxy(index, ends.length, resting(ends), true, never)).toBe(chosen);
  });

  it('by key: the same detour every time, back to its own proxy when the rest ends', () => {
    const ends: (number | undefined)[] = [undefined, 50, undefined, undefined];
    for (let call = 0; call < 5; call += 1)
      expect(avoidRestingProxy(1, 4, resting(ends), true, never)).toBe(2);
    ends[1] = undefined;
    expect(avoidRestingProxy(1, 4, resting(ends), true, never)).toBe(1);
  });

  it.each<[number, number]>([
    // The proxies that serve, in order from the one drawn first: 3, then 0.
    [0, 3],
    [0.49, 3],
    [0.5, 0],
    [0.999999, 0],
  ])('at random: a draw of %d picks among the proxies that serve (%d)', (draw, chosen) => {
    expect(avoidRestingProxy(1, 4, resting([undefined, 50, 60, undefined]), false, () => draw)).toBe(chosen);
  });

  it('at random, all resting: the one back first, with no draw', () => {
    expect(avoidRestingProxy(0, 3, resting([70, 30, 90]), false, never)).toBe(1);
  });
});
